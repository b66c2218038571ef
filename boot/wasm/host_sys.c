/* host_sys.c: host module "sys": panic, exit, and what machine this is. */
#include "host.h"
#include "board.h"
#include "ram.h"
#include "console.h"
#include "semihost.h"
#include "arch.h"

/* Prints the UTF-16 string at ptr (units code units), clipped to memory:
 * a panic message is printed even when its pointer is damaged. */
static void put_string(void *_mem, uint32_t ptr, uint32_t units) {
    uint64_t size = WASM_WINDOW_BYTES;
    if (ptr >= size) return;
    if ((uint64_t)ptr + (uint64_t)units * 2 > size) units = (uint32_t)((size - ptr) / 2);
    put_utf16((const uint8_t *)_mem + ptr, units);
}

/* panic(msg, msgUnits, file, fileUnits, line, column): prints
 * `panic: core N: <msg> at <file>:<line>:<column>` and unwinds the kernel on
 * this core, which then parks. Other cores go on. */
m3ApiRawFunction(h_sys_panic) {
    m3ApiGetArg(uint32_t, msg);
    m3ApiGetArg(uint32_t, msg_units);
    m3ApiGetArg(uint32_t, file);
    m3ApiGetArg(uint32_t, file_units);
    m3ApiGetArg(uint32_t, line);
    m3ApiGetArg(uint32_t, column);
    console_flush();
    kprintf("panic: core %u: ", core_id());
    put_string(_mem, msg, msg_units);
    if (file_units) {
        console_puts(" at ");
        put_string(_mem, file, file_units);
        kprintf(":%u:%u", line, column);
    }
    console_putc('\n');
    m3ApiTrap(host_panicked);
}

/* exit(code): ends the machine. Under QEMU with -semihosting, QEMU exits with
 * this code (tests use it); on a board, prints it and parks this core. */
m3ApiRawFunction(h_sys_exit) {
    m3ApiGetArg(int32_t, code);
    sys_exit(code);
}

m3ApiRawFunction(h_sys_board) { m3ApiReturnType(uint32_t); m3ApiReturn((uint32_t)board->id); }
m3ApiRawFunction(h_sys_memory_bytes) {
    m3ApiReturnType(uint64_t);
    m3ApiReturn(ram.total);
}
m3ApiRawFunction(h_sys_abi_version) { m3ApiReturnType(uint32_t); m3ApiReturn(HOST_ABI_VERSION); }

/* A trap ends the task, not the core (issue 25): the kernel says when a trap
 * may be recovered from; wasm_run (both backends) then calls kernel_start
 * again with trapped set. */
volatile uint8_t host_recoverable[MAX_CORES], host_trapped[MAX_CORES];
m3ApiRawFunction(h_sys_recoverable) {
    m3ApiGetArg(uint32_t, on);
    host_recoverable[core_id() & (MAX_CORES - 1)] = on != 0;
    m3ApiSuccess();
}
m3ApiRawFunction(h_sys_trapped) { m3ApiReturnType(uint32_t); m3ApiReturn(host_trapped[core_id() & (MAX_CORES - 1)]); }

int host_recover_after_trap(unsigned core) {
    core &= MAX_CORES - 1;
    int again = host_recoverable[core];
    host_recoverable[core] = 0;
    host_trapped[core] = (uint8_t)again;
    return again;
}

void host_recovery_reset(void) {
    for (unsigned c = 0; c < MAX_CORES; c++) host_recoverable[c] = host_trapped[c] = 0;
}
