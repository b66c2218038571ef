/*
 * vectors.S: the EL1 exception vector table.
 *
 * Every entry saves the full register file into a struct trap_frame on the
 * current stack and calls exception_entry(frame, kind) in exceptions.c, which
 * prints a crash dump and parks the core. Interrupts arrive here too; from
 * the executor issue on, the C top half records them as events and returns.
 */
    .macro  vector kind
    .balign 0x80
    sub     sp, sp, #(36 * 8)
    stp     x0, x1, [sp, #(0 * 8)]
    mov     x0, #\kind
    b       save_and_handle
    .endm

    .section .text
    .balign 0x800
    .global exception_vectors
exception_vectors:
    vector 0        // current EL, SP_EL0: synchronous
    vector 1        //                    IRQ
    vector 2        //                    FIQ
    vector 3        //                    SError
    vector 4        // current EL, SP_ELx: synchronous
    vector 5        //                    IRQ
    vector 6        //                    FIQ
    vector 7        //                    SError
    vector 8        // lower EL, AArch64: synchronous
    vector 9        //                    IRQ
    vector 10       //                    FIQ
    vector 11       //                    SError
    vector 12       // lower EL, AArch32
    vector 13
    vector 14
    vector 15

save_and_handle:
    // x0 = kind; the caller's x0/x1 are at [sp]. Layout: struct trap_frame.
    stp     x2, x3, [sp, #(2 * 8)]
    stp     x4, x5, [sp, #(4 * 8)]
    stp     x6, x7, [sp, #(6 * 8)]
    stp     x8, x9, [sp, #(8 * 8)]
    stp     x10, x11, [sp, #(10 * 8)]
    stp     x12, x13, [sp, #(12 * 8)]
    stp     x14, x15, [sp, #(14 * 8)]
    stp     x16, x17, [sp, #(16 * 8)]
    stp     x18, x19, [sp, #(18 * 8)]
    stp     x20, x21, [sp, #(20 * 8)]
    stp     x22, x23, [sp, #(22 * 8)]
    stp     x24, x25, [sp, #(24 * 8)]
    stp     x26, x27, [sp, #(26 * 8)]
    stp     x28, x29, [sp, #(28 * 8)]
    add     x1, sp, #(36 * 8)           // sp before the exception
    stp     x30, x1, [sp, #(30 * 8)]
    mrs     x1, elr_el1
    mrs     x2, spsr_el1
    stp     x1, x2, [sp, #(32 * 8)]
    mrs     x1, esr_el1
    mrs     x2, far_el1
    stp     x1, x2, [sp, #(34 * 8)]
    mov     x1, x0
    mov     x0, sp
    bl      exception_entry
    // exception_entry returns only when the exception was handled and the
    // interrupted code may go on (ELR may have been moved past the instruction).
    ldp     x1, x2, [sp, #(32 * 8)]
    msr     elr_el1, x1
    msr     spsr_el1, x2
    ldp     x2, x3, [sp, #(2 * 8)]
    ldp     x4, x5, [sp, #(4 * 8)]
    ldp     x6, x7, [sp, #(6 * 8)]
    ldp     x8, x9, [sp, #(8 * 8)]
    ldp     x10, x11, [sp, #(10 * 8)]
    ldp     x12, x13, [sp, #(12 * 8)]
    ldp     x14, x15, [sp, #(14 * 8)]
    ldp     x16, x17, [sp, #(16 * 8)]
    ldp     x18, x19, [sp, #(18 * 8)]
    ldp     x20, x21, [sp, #(20 * 8)]
    ldp     x22, x23, [sp, #(22 * 8)]
    ldp     x24, x25, [sp, #(24 * 8)]
    ldp     x26, x27, [sp, #(26 * 8)]
    ldp     x28, x29, [sp, #(28 * 8)]
    ldr     x30, [sp, #(30 * 8)]
    ldp     x0, x1, [sp, #(0 * 8)]
    add     sp, sp, #(36 * 8)
    eret
