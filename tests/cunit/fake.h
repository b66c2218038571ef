/* fake.h: the fake machine of the host unit tests: a register file in
 * which a test installs device models, and a tiny test runner. */
#pragma once
#include <stdint.h>
#include <stdio.h>

/* A device model: gets every access to [base, base + size). For a read it
 * returns the value; for a write `value` is what was written. */
struct fake_device {
    uint64_t base, size;
    uint32_t (*read)(uint64_t off);
    void (*write)(uint64_t off, uint32_t value);
};

void fake_reset(void);                         /* empty register file, no devices, counter at 0 */
void fake_add_device(const struct fake_device *d);
void fake_set(uint64_t addr, uint32_t v);      /* plain registers: what a read returns */
uint32_t fake_get(uint64_t addr);
/* Reads of registers no device claims, since fake_reset: a loop that polls
 * forever trips fake_poll_limit and the test fails instead of hanging. */
extern unsigned long fake_reads, fake_poll_limit;

extern int test_failures;
#define CHECK(cond, ...) do { if (!(cond)) { test_failures++; printf("  FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } while (0)
/* Runs fn as one named test; a poll that runs away ends it (longjmp) as a failure. */
void run_test(const char *name, void (*fn)(void));
int test_summary(void);                          /* prints "N passed, M failed", returns the exit code */
