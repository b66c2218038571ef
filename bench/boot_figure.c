/* bench/boot_figure.c: linked with the example kernel (build/kernel.wasm)
 * into build/bench/boot.img, so that `make bench` can report what the boot
 * of kernel8.img's own kernel costs: when core 0's console line
 * `cores online: ...` is out, it prints the PMU's instruction count (all
 * cores under -icount) as
 *
 *   bench: figure boot-cores-online-example <instructions> instructions
 *
 * Written for this purpose; nothing else links it. */
#include "arch.h"
#include "console.h"
#include <string.h>

void console_line_hook(const char *line, size_t len) {
    static int reported;
    static const char prefix[] = "cores online:";
    if (reported || core_id() != 0 || len < sizeof prefix - 1 || memcmp(line, prefix, sizeof prefix - 1)) return;
    reported = 1;
    uint64_t n = instructions_now();
    kprintf("bench: figure boot-cores-online-example %llu instructions\n", (unsigned long long)n);
}
