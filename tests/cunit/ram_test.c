/* links: boot/board/ram.c
 * ram_test.c: the RAM the kernel believes in comes from the device tree,
 * else the mailbox, never an assumed size (issue 12, risk 9): with neither
 * it stops ("not guessing"); a kernel that does not fit stops with what to
 * change; and nothing above the RAM (or in the peripherals) is mapped as
 * RAM. The tree and the mailbox are fakes set by each test. */
#include "fake.h"
#include "ram.h"
#include "fdt.h"
#include <string.h>

struct dt_info dt;
char __ram_end[16];

static int mailbox_answers;
static uint64_t mailbox_base, mailbox_size;
int mailbox_arm_memory(uint64_t *base, uint64_t *size) {
    if (!mailbox_answers) return 0;
    *base = mailbox_base;
    *size = mailbox_size;
    return 1;
}

static void reset(void) {
    memset(&dt, 0, sizeof dt);
    memset(&ram, 0, sizeof ram);
    mailbox_answers = 0;
}

#define MiB (1ull << 20)

static void test_tree_first(void) {
    reset();
    dt.found = 1;
    dt.low_memory_end = 948 * MiB;
    dt.memory_bytes = 948 * MiB + 3072 * MiB;       /* a 4 GB Pi 4: a second range above 4 GiB */
    mailbox_answers = 1, mailbox_base = 0, mailbox_size = 512 * MiB;
    CHECK(ram_detect() == 0, "a tree with /memory is enough");
    CHECK(ram.low_end == 948 * MiB && ram.total == 4020 * MiB, "the tree's figures, not the mailbox's");
    CHECK(strcmp(ram.source, "device tree") == 0, "source %s", ram.source);
}

static void test_mailbox_without_tree(void) {
    reset();
    mailbox_answers = 1, mailbox_base = 0, mailbox_size = 448 * MiB;   /* a 512 MB Pi 3 A+ */
    CHECK(ram_detect() == 0, "the mailbox is enough");
    CHECK(ram.low_end == 448 * MiB && strcmp(ram.source, "mailbox") == 0, "the mailbox's 448 MiB");
}

static void test_not_guessing(void) {
    reset();
    const char *why = ram_detect();
    CHECK(why && strstr(why, "no device tree, and the firmware's mailbox did not answer"), "no tree, no mailbox: %s", why ? why : "(accepted)");
    reset();
    dt.found = 1;                                   /* a tree without /memory from 0 */
    why = ram_detect();
    CHECK(why && strstr(why, "the device tree lists no RAM from address 0"), "a tree without RAM: %s", why ? why : "(accepted)");
    reset();
    mailbox_answers = 1, mailbox_base = 16 * MiB, mailbox_size = 448 * MiB;   /* not from 0: not used */
    CHECK(ram_detect() != 0, "a mailbox range that does not start at 0 is not taken");
}

static void test_kernel_too_big(void) {
    reset();
    mailbox_answers = 1, mailbox_base = 0, mailbox_size = 448 * MiB;
    ram_detect();
    CHECK(ram_fits(448 * MiB) == 0, "a kernel that ends at the RAM's end fits");
    const char *why = ram_fits(0x1E000000);          /* 480 MiB: a KERNEL_MEMORY_MB too large for a 512 MB board */
    CHECK(why && strstr(why, "needs RAM up to 0x1e000000") && strstr(why, "the mailbox gives the ARM only 448 MiB")
              && strstr(why, "smaller KERNEL_MEMORY_MB") && strstr(why, "gpu_mem"), "the error says what to change: %s", why ? why : "(fits)");
}

static void test_maps_only_ram(void) {
    reset();
    mailbox_answers = 1, mailbox_base = 0, mailbox_size = 448 * MiB + 4096;   /* not a whole 2 MiB block */
    ram_detect();
    uint64_t pi3_peripherals = 0x3F000000, kernel_end = 100 * MiB;
    CHECK(ram_map_end(pi3_peripherals, kernel_end) == 448 * MiB, "whole blocks of RAM only: 0x%llx",
          (unsigned long long)ram_map_end(pi3_peripherals, kernel_end));
    reset();
    dt.found = 1, dt.low_memory_end = dt.memory_bytes = 4096 * MiB;           /* an 8 GB Pi 4's first range */
    ram_detect();
    CHECK(ram_map_end(0xFC000000, kernel_end) == 0xFC000000, "never into the peripherals");
    reset();
    mailbox_answers = 1, mailbox_base = 0, mailbox_size = 64 * MiB;
    ram_detect();
    CHECK(ram_map_end(pi3_peripherals, kernel_end + 1) == 102 * MiB, "at least the kernel itself, to print why it stops");
}

int main(void) {
    run_test("the device tree first", test_tree_first);
    run_test("the mailbox without a tree", test_mailbox_without_tree);
    run_test("neither: not guessing", test_not_guessing);
    run_test("a kernel too big for the RAM", test_kernel_too_big);
    run_test("only RAM is mapped as RAM", test_maps_only_ram);
    return test_summary();
}
