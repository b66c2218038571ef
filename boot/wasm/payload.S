/* payload.S: kernel.wasm, embedded in the image at link time.
 * WASM_PATH is set by the Makefile; the test suite links other modules
 * (including deliberately broken ones) the same way. */
    .section .rodata.kernel_wasm, "a"
    .balign 16
    .global kernel_wasm, kernel_wasm_end
kernel_wasm:
    .incbin WASM_PATH
kernel_wasm_end:
    .byte 0
