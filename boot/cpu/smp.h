/* smp.h: starting the secondary cores (see smp.c). */
#pragma once
unsigned smp_release(unsigned cores);   /* core 0; returns how many cores run */
void smp_arrived(unsigned core);        /* a secondary core, once it is up; returns when all are */
extern unsigned cores_started;
