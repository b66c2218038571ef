/* Linked only into build/tests/crash.img: core 3 stores to an address the
 * MMU does not map, before it runs any wasm, so the QEMU test can check the
 * stub's crash dump and that the other cores go on. */
#include <stdint.h>

void boot_secondary_hook(unsigned core) {
    if (core == 3) *(volatile uint32_t *)(uintptr_t)0xF0000000u = 0xdead;
}
