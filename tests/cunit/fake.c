/* fake.c: the fake machine behind fake.h and fake_arch.h. */
#include "fake.h"
#include "board.h"
#include <setjmp.h>
#include <string.h>

unsigned fake_core;
uint64_t fake_ticks, fake_tick_per_read = 1000, fake_frequency = 1000000;   /* 1 ms per counter read */
unsigned long fake_reads, fake_poll_limit = 1000000;
int test_failures;
int fake_irq_masked = 1;
void (*fake_irq_unmasked)(void);
unsigned fake_wfis;
void (*fake_wfi_hook)(void), (*fake_barrier_hook)(void);
static int passed, failed;
static jmp_buf escape;

#define NREGS 4096
static struct { uint64_t addr; uint32_t v; } regs[NREGS];
static unsigned nregs;
static const struct fake_device *devices[8];
static unsigned ndevices;

/* The stub's board table is not linked in: tests pick a board here. */
/* weak: a test that links boot/board/board.c gets that one */
__attribute__((weak)) const struct board *board;

/* The host's watchdog hooks that boot/board/irq.c and wake.c call (boot/wasm/host_watch.c): none here. */
struct trap_frame;
unsigned fake_watch_ticks;
__attribute__((weak)) void watch_tick(struct trap_frame *f) { (void)f; fake_watch_ticks++; }
__attribute__((weak)) void watch_idle(void) {}

void fake_reset(void) { nregs = 0; ndevices = 0; fake_ticks = 0; fake_reads = 0; fake_core = 0; fake_irq_masked = 1; fake_irq_unmasked = 0;
                      fake_wfis = 0; fake_wfi_hook = fake_barrier_hook = 0; }
void fake_add_device(const struct fake_device *d) { devices[ndevices++] = d; }

static const struct fake_device *claim(uint64_t addr) {
    for (unsigned i = 0; i < ndevices; i++)
        if (addr >= devices[i]->base && addr < devices[i]->base + devices[i]->size) return devices[i];
    return 0;
}

void fake_set(uint64_t addr, uint32_t v) {
    for (unsigned i = 0; i < nregs; i++) if (regs[i].addr == addr) { regs[i].v = v; return; }
    if (nregs < NREGS) { regs[nregs].addr = addr; regs[nregs].v = v; nregs++; }
}
uint32_t fake_get(uint64_t addr) {
    for (unsigned i = 0; i < nregs; i++) if (regs[i].addr == addr) return regs[i].v;
    return 0;
}

uint32_t reg_read(uint64_t addr) {
    if (++fake_reads > fake_poll_limit) {
        printf("  FAIL: %lu register reads: a loop polls 0x%llx forever\n", fake_reads, (unsigned long long)addr);
        longjmp(escape, 1);
    }
    const struct fake_device *d = claim(addr);
    return d ? d->read(addr - d->base) : fake_get(addr);
}
void reg_write(uint64_t addr, uint32_t value) {
    const struct fake_device *d = claim(addr);
    if (d) d->write(addr - d->base, value); else fake_set(addr, value);
}

static struct { const char *name; uint64_t v; } sysregs[32];
static unsigned nsysregs;
uint64_t fake_sysreg_read(const char *name) {
    for (unsigned i = 0; i < nsysregs; i++) if (!strcmp(sysregs[i].name, name)) return sysregs[i].v;
    return 0;
}
void fake_sysreg_write(const char *name, uint64_t v) {
    for (unsigned i = 0; i < nsysregs; i++) if (!strcmp(sysregs[i].name, name)) { sysregs[i].v = v; return; }
    if (nsysregs < 32) { sysregs[nsysregs].name = name; sysregs[nsysregs].v = v; nsysregs++; }
}

void run_test(const char *name, void (*fn)(void)) {
    int before = test_failures;
    fake_reset();
    if (setjmp(escape) == 0) fn(); else test_failures++;
    if (test_failures == before) { passed++; printf("ok %s\n", name); }
    else { failed++; printf("not ok %s\n", name); }
}

int test_summary(void) {
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
