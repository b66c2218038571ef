/*
 * start.S: the first instructions of every core.
 *
 * Core 0 is started at 0x80000 by the firmware (QEMU: its raw-image loader)
 * with the device tree pointer in x0. Cores 1-3 wait in the firmware's spin
 * loop until core 0 writes _start into their spin-table slot (see smp.c);
 * they then arrive here too. Each core:
 *   1. drops from EL3 or EL2 to EL1 (firmware leaves us in EL2),
 *   2. enables FP/SIMD (gcc and wasm3 use the vector registers),
 *   3. installs the exception vectors and two stacks: the kernel runs on
 *      SP_EL0 (its 512 KiB stack, with an unmapped guard page below it) and
 *      exceptions switch to SP_EL1 (a small stack of their own), so even a
 *      fault on an overflowed stack gets its crash dump,
 * then core 0 clears .bss once and calls boot_primary(dtb); the others call
 * boot_secondary(core). Neither returns; if one did, the core parks.
 */
    .section .text.boot, "ax"
    .global _start
_start:
    mov     x20, x0                     // device tree pointer (core 0, real firmware)
    mrs     x19, mpidr_el1
    and     x19, x19, #0xff             // Aff0 = core number on Cortex-A53/A72

    mrs     x1, CurrentEL
    lsr     x1, x1, #2
    cmp     x1, #3
    b.eq    from_el3
    cmp     x1, #2
    b.eq    from_el2
    b       in_el1

from_el3:
    // Lower ELs are non-secure and AArch64; HVC enabled. 0x30 = RES1 bits.
    ldr     x1, =((1 << 10) | (1 << 8) | 0x30 | 1)
    msr     scr_el3, x1
    mov     x1, #0x3c9                  // EL2h, D A I F masked
    msr     spsr_el3, x1
    adr     x1, from_el2
    msr     elr_el3, x1
    eret

from_el2:
    mov     x1, #(1 << 31)              // HCR_EL2.RW: EL1 is AArch64
    msr     hcr_el2, x1
    mrs     x1, cnthctl_el2
    orr     x1, x1, #3                  // EL1PCTEN | EL1PCEN: EL1 may use the physical counter and timer
    msr     cnthctl_el2, x1
    msr     cntvoff_el2, xzr
    mov     x1, #0x33ff                 // CPTR_EL2: do not trap FP/SIMD to EL2
    msr     cptr_el2, x1
    msr     hstr_el2, xzr
    // MDCR_EL2: trap nothing of the debug and performance monitors to EL2,
    // and give EL1 all the PMU's event counters (HPMN = PMCR_EL0.N). Its
    // reset value is UNKNOWN on hardware (ARM ARM D13.2.75 MDCR_EL2; the
    // firmware's stub does not set it), and we use the PMU at EL1 below.
    // Linux's EL2 set-up (init_el2_state, __init_el2_debug) does the same.
    mrs     x1, pmcr_el0
    ubfx    x1, x1, #11, #5             // PMCR_EL0.N: number of event counters
    msr     mdcr_el2, x1                // HPMN = N; TPM, TPMCR, TDE, TDA, TDOSA, TDRA = 0
    mrs     x1, midr_el1                // EL1 reads of MIDR/MPIDR see the real values
    msr     vpidr_el2, x1
    mrs     x1, mpidr_el1
    msr     vmpidr_el2, x1
    ldr     x1, =0x30d00800             // SCTLR_EL1: RES1 bits only, MMU and caches off
    msr     sctlr_el1, x1
    mov     x1, #0x3c5                  // EL1h, D A I F masked
    msr     spsr_el2, x1
    adr     x1, in_el1
    msr     elr_el2, x1
    eret

in_el1:
    // Count retired instructions from here (PMU event 0x08, counter 0), so
    // make bench can tell how many the boot takes (exact under -icount).
    mov     x1, #0x08
    msr     pmevtyper0_el0, x1
    mov     x1, #1
    msr     pmcntenset_el0, x1
    mrs     x1, pmcr_el0
    orr     x1, x1, #1
    msr     pmcr_el0, x1
    mov     x1, #(3 << 20)              // CPACR_EL1.FPEN: FP/SIMD at EL1 and EL0
    msr     cpacr_el1, x1
    ldr     x1, =exception_vectors
    msr     vbar_el1, x1
    isb
    // FPCR = 0, as WebAssembly's floats need: round to nearest even (RMode,
    // bits 23:22), subnormals kept (FZ, bit 24), NaN operands propagated
    // (DN, bit 25), no trapped exceptions. Its fields reset to architecturally
    // UNKNOWN values (Arm ARM DDI 0487, FPCR): QEMU resets it to 0, a board's
    // core need not (verified only on paper: QEMU cannot show it).
    msr     fpcr, xzr

    add     x3, x19, #1
    // SP_EL1 = __exstacks_start + (core + 1) * __exstack_size
    ldr     x1, =__exstacks_start
    ldr     x2, =__exstack_size
    madd    x1, x2, x3, x1
    mov     sp, x1
    // SP_EL0 = __stacks_start + (core + 1) * __stack_size, and run on it
    ldr     x1, =__stacks_start
    ldr     x2, =__stack_size
    madd    x1, x2, x3, x1
    msr     sp_el0, x1
    msr     spsel, #0

    cbnz    x19, 3f
    ldr     x1, =__bss_start            // core 0 only: clear .bss once
    ldr     x2, =__bss_end
1:  cmp     x1, x2
    b.hs    2f
    stp     xzr, xzr, [x1], #16
    b       1b
2:  mov     x0, x20
    bl      boot_primary
    b       park
3:  mov     x0, x19
    bl      boot_secondary

    .global park
/* A core with nothing more to do: IRQs off, its timer off, and WFI (not
 * WFE, which QEMU's multi-threaded TCG runs as a no-op: a parked core spun
 * on a host CPU). A pending interrupt would end each WFI at once, so none of
 * this core's own is left on; another core's wake (boot/board/wake.c) never
 * comes, since a parked core is not among the sleepers it interrupts. */
park:
    msr     daifset, #0xf
    msr     cntp_ctl_el0, xzr
1:  wfi
    b       1b
