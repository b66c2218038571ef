/* host_console.c: host module "console": early byte output.
 * See docs/host-abi.md; the import list is generated from tools/abi/spec.ts. */
#include "host.h"
#include "console.h"

/* Writes UTF-16 code units (an AssemblyScript string) as UTF-8; lone
 * surrogates become U+FFFD. */
void put_utf16(const uint8_t *p, uint32_t units) {
    for (uint32_t i = 0; i < units; i++) {
        uint32_t c = p[2 * i] | (uint32_t)p[2 * i + 1] << 8;
        if (c >= 0xd800 && c < 0xdc00 && i + 1 < units) {
            uint32_t lo = p[2 * i + 2] | (uint32_t)p[2 * i + 3] << 8;
            if (lo >= 0xdc00 && lo < 0xe000) { c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00); i++; }
            else c = 0xfffd;
        } else if (c >= 0xd800 && c < 0xe000) c = 0xfffd;
        if (c < 0x80) console_putc((char)c);
        else if (c < 0x800) { console_putc((char)(0xc0 | c >> 6)); console_putc((char)(0x80 | (c & 0x3f))); }
        else if (c < 0x10000) {
            console_putc((char)(0xe0 | c >> 12)); console_putc((char)(0x80 | ((c >> 6) & 0x3f)));
            console_putc((char)(0x80 | (c & 0x3f)));
        } else {
            console_putc((char)(0xf0 | c >> 18)); console_putc((char)(0x80 | ((c >> 12) & 0x3f)));
            console_putc((char)(0x80 | ((c >> 6) & 0x3f))); console_putc((char)(0x80 | (c & 0x3f)));
        }
    }
}

/* write(ptr, units): an AssemblyScript string's code units; refused (trap)
 * when they run past the end of linear memory. */
m3ApiRawFunction(h_console_write) {
    m3ApiGetArg(uint32_t, ptr);
    m3ApiGetArg(uint32_t, units);
    if ((uint64_t)ptr + (uint64_t)units * 2 > WASM_WINDOW_BYTES)
        m3ApiTrap(host_refuse("console.write: %u code units at 0x%x run past the end of memory", units, ptr));
    put_utf16((const uint8_t *)_mem + ptr, units);
    m3ApiSuccess();
}

/* echo(ptr, length): bytes out now, between other cores' whole lines (and
 * after this core's unfinished one: a prompt printed without "\n" shows
 * first); refused when they run past the end of linear memory. */
m3ApiRawFunction(h_console_echo) {
    m3ApiGetArg(uint32_t, ptr);
    m3ApiGetArg(uint32_t, length);
    if ((uint64_t)ptr + length > WASM_WINDOW_BYTES)
        m3ApiTrap(host_refuse("console.echo: %u bytes at 0x%x run past the end of memory", length, ptr));
    console_echo((const char *)_mem + ptr, length);
    m3ApiSuccess();
}

/* putc(byte): one raw byte. */
m3ApiRawFunction(h_console_putc) {
    m3ApiGetArg(uint32_t, byte);
    console_putc((char)byte);
    m3ApiSuccess();
}
