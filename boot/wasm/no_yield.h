/* no_yield.h: forced into every wasm3 file but m3_core.c (Makefile).
 *
 * wasm3 0.5.0 calls m3_Yield() on every wasm call (the Call op in
 * m3_exec.h), a hook for hosts that want to stop a long run. Its default,
 * in m3_core.c, does nothing and returns no error, but it is a weak
 * function in another file: a real call and return each time. We never
 * stop a run that way (a core that must stop traps or panics), so here it
 * is the same nothing, inline, and the call goes away. The declaration in
 * wasm3.h that follows then names this function too (a later declaration
 * of a static function keeps it static). */
#pragma once
#define m3_Yield tspi_m3_yield_none
static inline const char *tspi_m3_yield_none(void) { return 0; }
