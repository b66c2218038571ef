/* push.c: receiving a pushed kernel.wasm (push.h, docs/push.md). Every step
 * is bounded: a header byte or a module byte that does not come within
 * PUSH_BYTE_TIMEOUT_MS ends the transfer with a refusal, a length above
 * what the caller reserved is refused before a byte of the module is read,
 * and the CRC is checked over what arrived before the caller may use it. */
#include "push.h"
#include <stdio.h>
#include <string.h>

int push_match(unsigned *state, uint8_t byte) {
    static const uint8_t magic[PUSH_MAGIC_LEN] = PUSH_MAGIC;
    unsigned s = *state;
    if (s < PUSH_MAGIC_LEN) {
        if (byte == magic[s]) *state = s + 1;
        else *state = byte == magic[0] ? 1 : 0;
        return 0;
    }
    *state = byte == magic[0] ? 1 : 0;           /* the version byte */
    return byte == PUSH_VERSION;
}

uint32_t push_crc32(const uint8_t *p, size_t n) {
    static uint32_t table[256];
    if (!table[1]) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
    }
    uint32_t c = 0xFFFFFFFFu;
    while (n--) c = table[(c ^ *p++) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

unsigned push_wait_ms(const char *args) {
    static const char key[] = "push.wait=";
    for (const char *p = args; p && *p;) {
        while (*p == ' ' || *p == '\t' || *p == '\n') p++;
        const char *word = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n') p++;
        if ((size_t)(p - word) <= sizeof key - 1 || memcmp(word, key, sizeof key - 1)) continue;
        unsigned long ms = 0;
        const char *d = word + sizeof key - 1;
        for (; d < p && *d >= '0' && *d <= '9'; d++)
            if ((ms = ms * 10 + (unsigned long)(*d - '0')) > PUSH_WAIT_MAX_MS) ms = PUSH_WAIT_MAX_MS;
        if (d != p) continue;                       /* push.wait=abc: not ours to guess */
        return (unsigned)ms;                        /* the first one counts */
    }
    return 0;
}

static const char *refuse(const struct push_io *io, const char *why) {
    char line[200];
    snprintf(line, sizeof line, "push: refused: %s\n", why);
    io->put_line(line);
    return why;
}

/* The header's first byte, past any further copies of the request: a host
 * that knocks until the board answers (the boot window) may have sent one
 * more before it saw "ready". -1 after the time-out. */
static int header_start(const struct push_io *io) {
    for (;;) {
        int c = io->get_byte(PUSH_BYTE_TIMEOUT_MS);
        if (c != 0) return c;                        /* 'L', anything else, or -1 */
        unsigned state = 1;                          /* a NUL: the request again? */
        for (;;) {
            c = io->get_byte(PUSH_BYTE_TIMEOUT_MS);
            if (c < 0) return -1;
            if (push_match(&state, (uint8_t)c)) break;   /* a whole one: the header may come now */
            if (!state) return c;                    /* it was not one: the byte that says so */
        }
    }
}

const char *push_receive(const struct push_io *io, uint8_t *buf, size_t max, size_t *len) {
    static char why[160];
    char line[64];
    snprintf(line, sizeof line, "push: ready %lu v%u\n", (unsigned long)max, PUSH_VERSION);
    io->put_line(line);

    uint8_t h[9];
    for (unsigned i = 0; i < sizeof h; i++) {
        int c = i ? io->get_byte(PUSH_BYTE_TIMEOUT_MS) : header_start(io);
        if (c < 0) {
            snprintf(why, sizeof why, "the host sent %u of the header's 9 bytes, then nothing for %u ms", i, PUSH_BYTE_TIMEOUT_MS);
            return refuse(io, why);
        }
        h[i] = (uint8_t)c;
    }
    if (h[0] != 'L') {
        snprintf(why, sizeof why, "the header starts with 0x%02x, not 'L': is the host's push tool the same version?", h[0]);
        return refuse(io, why);
    }
    uint32_t n = (uint32_t)h[1] | (uint32_t)h[2] << 8 | (uint32_t)h[3] << 16 | (uint32_t)h[4] << 24;
    uint32_t crc = (uint32_t)h[5] | (uint32_t)h[6] << 8 | (uint32_t)h[7] << 16 | (uint32_t)h[8] << 24;
    if (n > max) {
        snprintf(why, sizeof why, "the module is %lu bytes, more than the %lu this board reserves", (unsigned long)n, (unsigned long)max);
        return refuse(io, why);
    }
    if (n < 8) {
        snprintf(why, sizeof why, "a module of %lu bytes cannot be wasm", (unsigned long)n);
        return refuse(io, why);
    }
    /* The header is good: say so before the host sends a byte of the
     * module, so that a refused header leaves nothing in flight for the
     * kernel that runs on (the host waits for this "got 0"). */
    io->put_line("push: got 0\n");
    for (uint32_t at = 0; at < n;) {
        uint32_t end = at + PUSH_CHUNK < n ? at + PUSH_CHUNK : n;
        for (; at < end; at++) {
            int c = io->get_byte(PUSH_BYTE_TIMEOUT_MS);
            if (c < 0) {
                snprintf(why, sizeof why, "the host stopped after %lu of %lu bytes (nothing for %u ms)",
                         (unsigned long)at, (unsigned long)n, PUSH_BYTE_TIMEOUT_MS);
                return refuse(io, why);
            }
            buf[at] = (uint8_t)c;
        }
        snprintf(line, sizeof line, "push: got %lu\n", (unsigned long)at);
        io->put_line(line);
    }
    uint32_t got = push_crc32(buf, n);
    if (got != crc) {
        snprintf(why, sizeof why, "the module's CRC-32 is 0x%08lx, the header said 0x%08lx (a byte changed on the wire)",
                 (unsigned long)got, (unsigned long)crc);
        return refuse(io, why);
    }
    *len = n;
    return 0;
}
