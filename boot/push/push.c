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

static int switched;                             /* the line runs at the host's faster rate */

/* Reads the rest of `word` after its first byte; 1 if it all came. A
 * mismatch returns 0 with *c the byte that differed. */
static int rest_of(const struct push_io *io, const char *word, int *c) {
    for (const char *w = word + 1; *w; w++) {
        *c = io->get_byte(PUSH_BYTE_TIMEOUT_MS);
        if (*c != (uint8_t)*w) return 0;
    }
    return 1;
}

/* The header's first byte, past any further copies of the request (a host
 * that knocks until the board answers, as in the boot window, may have
 * sent one more before it saw "ready") and, at a new rate, of "SYNC" (the
 * host repeats it until it sees "synced"). -1 after the time-out. */
static int header_start(const struct push_io *io) {
    for (;;) {
        int c = io->get_byte(PUSH_BYTE_TIMEOUT_MS);
        if (switched && c == 'S') {
            if (rest_of(io, "SYNC", &c)) continue;
            return c;
        }
        if (c != 0) return c;                        /* 'L', 'B', anything else, or -1 */
        unsigned state = 1;                          /* a NUL: the request again? */
        for (;;) {
            c = io->get_byte(PUSH_BYTE_TIMEOUT_MS);
            if (c < 0) return -1;
            if (push_match(&state, (uint8_t)c)) break;   /* a whole one: the header may come now */
            if (!state) return c;                    /* it was not one: the byte that says so */
        }
    }
}

/* 'B' and a rate (u32 LE) came: answer, switch, and listen for "SYNC" at
 * the new rate for PUSH_SYNC_MS. Heard: "synced", and the transfer goes on
 * at that rate. Not heard (an adapter that cannot do it, a cable too long):
 * back to the old rate, silently; the host falls back too. NULL, or why not. */
static const char *negotiate(const struct push_io *io, char *why, size_t size) {
    static const unsigned offered[] = PUSH_BAUDS;
    uint32_t baud = 0;
    for (unsigned i = 0; i < 4; i++) {
        int c = io->get_byte(PUSH_BYTE_TIMEOUT_MS);
        if (c < 0) { snprintf(why, size, "the host asked for a rate, then sent nothing for %u ms", PUSH_BYTE_TIMEOUT_MS); return why; }
        baud |= (uint32_t)c << (8 * i);
    }
    unsigned ok = 0;
    for (unsigned i = 0; i < sizeof offered / sizeof offered[0]; i++) ok |= offered[i] == baud;
    if (!ok) { snprintf(why, size, "%lu baud is not a rate this board offers (" PUSH_BAUDS_TEXT ")", (unsigned long)baud); return why; }
    char line[48];
    snprintf(line, sizeof line, "push: baud %lu\n", (unsigned long)baud);
    io->put_line(line);
    io->set_baud(baud);
    /* "SYNC" within the time (garbage before it is what a wrong rate reads as). */
    unsigned matched = 0;
    /* Bounded in time by the silences, and in bytes: a noisy line cannot keep it here. */
    for (unsigned waited = 0, bytes = 0; waited < PUSH_SYNC_MS && bytes < 4096 && matched < 4;) {
        int c = io->get_byte(10);
        if (c < 0) { waited += 10; continue; }
        bytes++;
        matched = c == "SYNC"[matched] ? matched + 1 : c == 'S';
    }
    if (matched < 4) { io->set_baud(0); return 0; }
    switched = 1;
    snprintf(line, sizeof line, "push: synced %lu\n", (unsigned long)baud);
    io->put_line(line);
    return 0;
}

int push_end(const struct push_io *io) {
    if (!switched) return 0;
    switched = 0;
    io->set_baud(0);
    return 1;
}

/* After an 'F' header: the path's length (u16 LE) and the path, read
 * whole before anything is refused, so that none of it is left on the line
 * for the kernel that runs on. NULL, or why not. */
static const char *read_path(const struct push_io *io, char *path, char *why, size_t size) {
    int lo = io->get_byte(PUSH_BYTE_TIMEOUT_MS), hi = lo < 0 ? -1 : io->get_byte(PUSH_BYTE_TIMEOUT_MS);
    if (hi < 0) return "the host sent an 'F' header without its path's length";
    unsigned plen = (unsigned)lo | (unsigned)hi << 8;
    if (!plen || plen > PUSH_PATH_MAX) {
        snprintf(why, size, "a path of %u bytes (1 to %u)", plen, PUSH_PATH_MAX);
        return why;
    }
    for (unsigned i = 0; i < plen; i++) {
        int c = io->get_byte(PUSH_BYTE_TIMEOUT_MS);
        if (c <= 0) return "the host's path stopped short (or held a NUL)";
        path[i] = (char)c;
    }
    path[plen] = 0;
    return 0;
}

const char *push_receive(const struct push_io *io, uint8_t *buf, size_t max, size_t *len) {
    static char why[200];
    char line[96];
    snprintf(line, sizeof line, "push: ready %lu v%u%s%s\n", (unsigned long)max, PUSH_VERSION,
             io->set_baud ? " baud " PUSH_BAUDS_TEXT : "", io->read_file ? " file" : "");
    io->put_line(line);

    int first = header_start(io);
    if (first == 'B' && io->set_baud && !switched) {
        if (negotiate(io, why, sizeof why)) return refuse(io, why);
        first = header_start(io);
    }
    uint8_t h[9];
    for (unsigned i = 0; i < sizeof h; i++) {
        int c = i ? io->get_byte(PUSH_BYTE_TIMEOUT_MS) : first;
        if (c < 0) {
            snprintf(why, sizeof why, "the host sent %u of the header's 9 bytes, then nothing for %u ms", i, PUSH_BYTE_TIMEOUT_MS);
            return refuse(io, why);
        }
        h[i] = (uint8_t)c;
    }
    uint32_t n = (uint32_t)h[1] | (uint32_t)h[2] << 8 | (uint32_t)h[3] << 16 | (uint32_t)h[4] << 24;
    uint32_t crc = (uint32_t)h[5] | (uint32_t)h[6] << 8 | (uint32_t)h[7] << 16 | (uint32_t)h[8] << 24;
    /* 'F': the module is the host's file, named after the header (under
     * QEMU, read through semihosting), and checked as one that came over
     * the line. */
    static char path[PUSH_PATH_MAX + 1];
    const int by_name = h[0] == 'F';
    if (by_name) {
        const char *bad = read_path(io, path, why, sizeof why);
        if (bad) return refuse(io, bad);
        if (!io->read_file)
            return refuse(io, "this board reads no host file (no semihosting host: that is QEMU's): push the module's bytes");
    } else if (h[0] != 'L') {
        snprintf(why, sizeof why, "the header starts with 0x%02x, not 'L': is the host's push tool the same version?", h[0]);
        return refuse(io, why);
    }
    if (n > max) {
        snprintf(why, sizeof why, "the module is %lu bytes, more than the %lu this board reserves", (unsigned long)n, (unsigned long)max);
        return refuse(io, why);
    }
    if (n < 8) {
        snprintf(why, sizeof why, "a module of %lu bytes cannot be wasm", (unsigned long)n);
        return refuse(io, why);
    }
    if (by_name) {
        long got = io->read_file(path, buf, max);
        if (got < 0) {
            snprintf(why, sizeof why, "the host's file %.120s could not be read (QEMU reads it from its own folder)", path);
            return refuse(io, why);
        }
        if ((uint32_t)got != n) {
            snprintf(why, sizeof why, "the host's file has %ld bytes, the header said %lu (it changed meanwhile)", got, (unsigned long)n);
            return refuse(io, why);
        }
    } else {
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
    }
    uint32_t got = push_crc32(buf, n);
    if (got != crc) {
        snprintf(why, sizeof why, by_name ? "the file's CRC-32 is 0x%08lx, the header said 0x%08lx (it changed meanwhile)"
                                          : "the module's CRC-32 is 0x%08lx, the header said 0x%08lx (a byte changed on the wire)",
                 (unsigned long)got, (unsigned long)crc);
        return refuse(io, why);
    }
    if (by_name) {
        snprintf(line, sizeof line, "push: read %lu from the host's file\n", (unsigned long)n);
        io->put_line(line);
    }
    *len = n;
    return 0;
}
