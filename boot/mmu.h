/* mmu.h: page tables and caches (see mmu.c). */
#pragma once
void mmu_build_tables(void);   /* core 0, once, before mmu_enable anywhere */
void mmu_enable(void);         /* every core, first thing */
