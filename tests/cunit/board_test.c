/* links: boot/board/board.c
 * board_test.c: the check of every mmio access (boot/board/board.h) is one range
 * compare; the range must be exactly the board's windows, which must follow
 * each other, and its edges must hold: the first and last words of each
 * board's range are allowed, the words just outside are not, and an address
 * that would wrap round is refused. */
#include "fake.h"
#include "arch.h"
#include "board.h"

static void test_windows_make_one_range(void) {
    const char *bad = board_check_windows();
    CHECK(bad == 0, "the windows of %s are not one range (mmio_lo, mmio_span)", bad ? bad : "");
}

static void edges(const struct board *b) {
    board = b;
    uint64_t lo = b->mmio_lo, hi = b->mmio_lo + b->mmio_span;
    CHECK(mmio_allowed(lo, 4), "%s: the first word 0x%llx", b->name, (unsigned long long)lo);
    CHECK(mmio_allowed(hi - 4, 4), "%s: the last word 0x%llx", b->name, (unsigned long long)(hi - 4));
    CHECK(!mmio_allowed(lo - 4, 4), "%s: the word below 0x%llx is refused", b->name, (unsigned long long)(lo - 4));
    CHECK(!mmio_allowed(hi, 4), "%s: the word at the end 0x%llx is refused", b->name, (unsigned long long)hi);
    CHECK(!mmio_allowed(hi - 2, 4), "%s: a word across the end is refused", b->name);
    CHECK(!mmio_allowed(0, 4), "%s: address 0 is refused", b->name);
    CHECK(!mmio_allowed(0xFFFFFFFFFFFFFFFCull, 8), "%s: an access that wraps round is refused", b->name);
    for (size_t i = 0; i < b->nwindows; i++) {
        uint64_t w = b->windows[i].base, e = w + b->windows[i].size;
        CHECK(mmio_allowed(w, 4) && mmio_allowed(e - 4, 4), "%s: window %zu is inside the range", b->name, i);
    }
}

static void test_edges(void) {
    /* The boards come from board_detect on a fake MIDR. */
    fake_sysreg_write("midr_el1", 0xD03u << 4);
    const struct board *pi3 = board_detect();
    fake_sysreg_write("midr_el1", 0xD08u << 4);
    const struct board *pi4 = board_detect();
    CHECK(pi3 && pi4, "both boards detected");
    if (pi3) edges(pi3);
    if (pi4) edges(pi4);
}

int main(void) {
    run_test("each board's peripheral windows make the one range the mmio check compares against", test_windows_make_one_range);
    run_test("the range's edges: first and last words allowed, neighbours and wrap-round refused", test_edges);
    return test_summary();
}
