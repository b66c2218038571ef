/* semihost.c: see semihost.h. ARM's "Semihosting for AArch32 and AArch64":
 * SYS_EXIT_EXTENDED (0x20) with ADP_Stopped_ApplicationExit (0x20026), and
 * SYS_TIME (0x11), SYS_OPEN (0x01, mode 1 = "rb"), SYS_FLEN (0x0C),
 * SYS_READ (0x06: returns the bytes not read) and SYS_CLOSE (0x02). */
#include "semihost.h"
#include "console.h"
#include "arch.h"
#include <stdint.h>
#include <string.h>

volatile int exit_code;   /* read by the HLT trap handler on real boards */

/* One semihosting call (ARM's "Semihosting for AArch32 and AArch64": the
 * operation in w0, a pointer to its parameter block in x1, the result in x0). */
static int64_t call(uint64_t op, const void *block) {
    register uint64_t x0 __asm__("x0") = op;
    register uint64_t x1 __asm__("x1") = (uint64_t)(uintptr_t)block;
    __asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
    return (int64_t)x0;
}

_Noreturn void sys_exit(int code) {
    console_flush();
    exit_code = code;
    uint64_t block[2] = { 0x20026, (uint64_t)(int64_t)code };
    call(0x20, block);                             /* SYS_EXIT_EXTENDED: QEMU ends here */
    park();
}

volatile int semihost_probing;

int semihost_available(void) {
    static int known = -1;
    if (known < 0) {
        semihost_probing = 1;
        int64_t t = call(0x11, 0);                 /* SYS_TIME: seconds since 1970 */
        known = semihost_probing == 1 && t != -1;  /* 2: it trapped (exceptions.c) */
        semihost_probing = 0;
    }
    return known;
}

long semihost_read_file(const char *path, void *buf, unsigned long max) {
    if (!semihost_available()) return -1;
    uint64_t open[3] = { (uint64_t)(uintptr_t)path, 1 /* "rb" */, strlen(path) };
    int64_t fd = call(0x01, open);                 /* SYS_OPEN */
    if (fd < 0) return -1;
    uint64_t one[1] = { (uint64_t)fd };
    int64_t n = call(0x0C, one);                   /* SYS_FLEN */
    long got = -1;
    if (n >= 0 && (uint64_t)n <= max) {
        uint64_t rd[3] = { (uint64_t)fd, (uint64_t)(uintptr_t)buf, (uint64_t)n };
        if (call(0x06, rd) == 0) got = (long)n;    /* SYS_READ: the bytes it did not read */
    }
    call(0x02, one);                               /* SYS_CLOSE */
    return got;
}
