/* regs.h: the one door from the stub's C code to device registers.
 *
 * On the board: 32-bit volatile accesses to the identity-mapped physical
 * address (Device-nGnRE, mmu.c). In the host unit tests (tests/cunit/,
 * compiled natively with -DTSPI_HOST_TEST) the same calls go to a fake
 * device model, so a test can give a register the behaviour of real
 * hardware that QEMU does not emulate (a PL011 that stays BUSY, a GIC that
 * ignores non-secure writes, enable registers that do not read back). */
#pragma once
#include <stdint.h>

#ifdef TSPI_HOST_TEST
uint32_t reg_read(uint64_t addr);
void reg_write(uint64_t addr, uint32_t value);
#else
static inline uint32_t reg_read(uint64_t addr) { return *(volatile uint32_t *)(uintptr_t)addr; }
static inline void reg_write(uint64_t addr, uint32_t value) { *(volatile uint32_t *)(uintptr_t)addr = value; }

/* The kernel's own accesses (module mmio): a call to one known load or store
 * (mmio_access.S), so that exceptions.c can tell a bus error on one from a
 * fault of the stub: it then steps over the access, a load giving 0, and
 * counts it in mmio_bus_errors and this core's mmio_bus_error[]. */
uint32_t kernel_mmio_read(uint64_t addr);
void kernel_mmio_write(uint64_t addr, uint32_t value);
extern const char kernel_mmio_load[], kernel_mmio_store[];
extern volatile uint32_t mmio_bus_errors;
extern volatile uint32_t mmio_bus_error[];
#endif
