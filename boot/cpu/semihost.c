/* semihost.c: see semihost.h. ARM's "Semihosting for AArch32 and AArch64",
 * SYS_EXIT_EXTENDED (0x20) with ADP_Stopped_ApplicationExit (0x20026). */
#include "semihost.h"
#include "console.h"
#include "arch.h"
#include <stdint.h>

volatile int exit_code;   /* read by the HLT trap handler on real boards */

_Noreturn void sys_exit(int code) {
    console_flush();
    exit_code = code;
    uint64_t block[2] = { 0x20026, (uint64_t)(int64_t)code };
    register uint64_t x0 __asm__("x0") = 0x20;
    register uint64_t x1 __asm__("x1") = (uint64_t)(uintptr_t)block;
    __asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
    park();
}
