/* semihost.h: leaving the machine with an exit code.
 *
 * Under QEMU with -semihosting, SYS_EXIT_EXTENDED ends QEMU with the code:
 * that is how tests report pass or fail. On a real board there is no
 * semihosting host: the HLT instruction traps, exceptions.c recognises it,
 * prints the code and parks every core. */
#pragma once
_Noreturn void sys_exit(int code);
#define SEMIHOST_HLT 0xd45e0000u   /* hlt #0xf000 */

/* Whether a semihosting host answers: QEMU with -semihosting, never a board.
 * Asked once, with SYS_TIME; on a board the HLT traps and exceptions.c, seeing
 * semihost_probing, makes the call return -1 instead of parking the core. */
int semihost_available(void);
extern volatile int semihost_probing;
/* The host's file `path` read into buf (at most max bytes): its length, or -1
 * when it cannot be opened or read, or is longer than max. Only where
 * semihost_available(): QEMU reads the file relative to its own folder. */
long semihost_read_file(const char *path, void *buf, unsigned long max);
