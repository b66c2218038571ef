/* wasm3_ops.h: forced into every wasm3 file (the Makefile's WASM3_CONFIG).
 *
 * wasm3 0.5.0 marks each op handler with op_section (m3_exec_defs.h; its
 * m3_config_platforms.h leaves it empty unless defined first). Here every op
 * goes to one section, which linker/kernel8.ld brackets with
 * __wasm3_ops_start and __wasm3_ops_end: the watchdog leaves a kernel for
 * a push only from an interrupt taken there (boot/wasm/host.c, wasm_abandon). */
#pragma once
#define op_section __attribute__((section(".text.wasm3_ops")))
