/*
 * mmio_access.S: the kernel's MMIO reads and writes (module mmio,
 * boot/wasm/host_mmio.c) go through one known load and one known store, so
 * that a bus error on them, a synchronous external abort where no block
 * answers (QEMU's raspi4b has holes in the peripheral window: the Pi 4's
 * RNG200 at +0x104000), is recognised by exceptions.c from the faulting
 * address and turned into the kernel's trap, with a panic line naming the
 * address, instead of the stub's crash dump. Arm ARM D17.2.37 (ESR_EL1,
 * EC 0x25: a data abort taken without a change in exception level).
 */
    .section .text
    .balign 4

    .global kernel_mmio_read, kernel_mmio_load
    .type   kernel_mmio_read, %function
kernel_mmio_read:                   /* uint32_t kernel_mmio_read(uint64_t addr) */
kernel_mmio_load:
    ldr     w0, [x0]
    ret
    .size   kernel_mmio_read, . - kernel_mmio_read

    .global kernel_mmio_write, kernel_mmio_store
    .type   kernel_mmio_write, %function
kernel_mmio_write:                  /* void kernel_mmio_write(uint64_t addr, uint32_t value) */
kernel_mmio_store:
    str     w1, [x0]
    ret
    .size   kernel_mmio_write, . - kernel_mmio_write
