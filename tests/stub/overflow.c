/* Linked only into build/tests/overflow.img: core 1 recurses in C until its
 * stack runs into the guard page below it, before it runs any wasm, so the
 * QEMU test can check that the stack overflow is caught and named. */
#include <stdint.h>

static volatile unsigned limit = 0xffffffffu;   /* never reached: the guard page is */

__attribute__((noinline)) static unsigned deeper(unsigned depth) {
    volatile uint8_t frame[256];
    frame[0] = (uint8_t)depth;
    if (depth == limit) return 0;
    return deeper(depth + 1) + frame[0];   /* not a tail call */
}

void boot_secondary_hook(unsigned core) {
    if (core == 1) (void)deeper(0);
}
