/* semihost.h: leaving the machine with an exit code.
 *
 * Under QEMU with -semihosting, SYS_EXIT_EXTENDED ends QEMU with the code:
 * that is how tests report pass or fail. On a real board there is no
 * semihosting host: the HLT instruction traps, exceptions.c recognises it,
 * prints the code and parks every core. */
#pragma once
_Noreturn void sys_exit(int code);
#define SEMIHOST_HLT 0xd45e0000u   /* hlt #0xf000 */
