/* push.h: the board's half of the push protocol (docs/push.md, issue 16):
 * a new kernel.wasm received over the UART by polling, checked before
 * anything of the old one is touched. tools/push/protocol.ts is the host's
 * half and the one description of the constants both use: PUSH_VERSION,
 * PUSH_MAGIC(_LEN), PUSH_CHUNK, PUSH_BYTE_TIMEOUT_MS, PUSH_BAUDS(_TEXT) and
 * PUSH_SYNC_MS come generated from it (build/gen/push_protocol.h). */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include "push_protocol.h"

/* How push_receive talks: the stub's polled UART, or a test's script. */
struct push_io {
    int (*get_byte)(unsigned timeout_ms); /* a byte, or -1 after timeout_ms of silence */
    void (*put_line)(const char *line);  /* one answer line, with its newline */
    /* The line to `baud` once what was put has gone out; 0: back to the
     * rate it had. NULL: this line has one rate (nothing is offered). */
    void (*set_baud)(unsigned baud);
    /* The host's file at `path` into buf (at most max bytes): its length, or
     * -1. Non-NULL only where a semihosting host answers (QEMU): the "ready"
     * line then offers "file", and the host may send an 'F' header naming
     * the module's file instead of its bytes. */
    long (*read_file)(const char *path, void *buf, unsigned long max);
};

/* Feeds one received byte to the request matcher; nonzero once the whole
 * request (magic and a version this stub speaks) has come. `state` starts at 0. */
int push_match(unsigned *state, uint8_t byte);

/* After the request: answers "ready" (with the rates offered), skips
 * further copies of the request (a host that knocks again while the board
 * boots), switches to a faster rate if the host asks and confirms it
 * (else goes back within PUSH_SYNC_MS), receives the header and the module
 * into buf (at most max bytes), answering "got" after each piece, and checks
 * its CRC-32. NULL with *len set, or why it refused (also sent to the host
 * as "push: refused: <why>"). Nothing outside buf is written. */
const char *push_receive(const struct push_io *io, uint8_t *buf, size_t max, size_t *len);

/* After the verdict line (accepted or refused) has been put: the line back
 * at the rate it had, if the host had asked for a faster one (then 1). */
int push_end(const struct push_io *io);

/* The boot window (docs/push.md): the milliseconds `push.wait=<ms>` in the
 * kernel command line asks the stub to wait for a push at boot, before it
 * starts the kernel from the SD card; 0 when the line has none (QEMU without
 * -append), PUSH_WAIT_MAX_MS at most. */
#define PUSH_WAIT_MAX_MS 60000
unsigned push_wait_ms(const char *bootargs);

/* CRC-32 as zlib computes it (reflected, polynomial 0xEDB88320). */
uint32_t push_crc32(const uint8_t *p, size_t n);
