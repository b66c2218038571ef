/* trap_frame.h: the registers vectors.S saves; keep the two in step. */
#pragma once
#include <stdint.h>
struct trap_frame {
    uint64_t x[31];     /* x0..x30 */
    uint64_t sp;        /* stack pointer before the exception */
    uint64_t elr, spsr, esr, far;
};
_Static_assert(sizeof(struct trap_frame) == 36 * 8, "vectors.S saves 36 words");

/* A synchronous fault of a core running its kernel is offered to the backend
 * first (exceptions.c): wasm_fault, boot/backend.h. */
