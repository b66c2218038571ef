/* links: boot/push/push.c
 * push_test.c: the board's half of the push protocol (boot/push/push.c) against
 * a scripted host: a good transfer, and every bad one refused with its
 * reason, the host told, nothing written past the buffer. */
#include "fake.h"
#include "push.h"
#include <string.h>

static uint8_t script[8192];
static size_t script_len, script_at;
static char said[8192];

static size_t silence_at = (size_t)-1;   /* at this point of the script, the line is silent for... */
static unsigned silent_ms;               /* ...this long */
static int fake_getc(unsigned timeout_ms) {
    if (script_at == silence_at && silent_ms) {
        if (silent_ms > timeout_ms) { silent_ms -= timeout_ms; return -1; }
        silent_ms = 0;                   /* the silence ends within this wait */
    }
    return script_at < script_len ? script[script_at++] : -1;
}
static void fake_puts(const char *line) { strncat(said, line, sizeof said - strlen(said) - 1); }
static const struct push_io io = { fake_getc, fake_puts, 0, 0 };
static unsigned bauds[8], nbauds;
static void fake_set_baud(unsigned baud) { if (nbauds < 8) bauds[nbauds++] = baud; }
static const struct push_io fast_io = { fake_getc, fake_puts, fake_set_baud, 0 };

static void host_sends(const uint8_t *module, size_t n, uint32_t crc, char first, size_t cut) {
    script_len = script_at = 0;
    said[0] = 0;
    script[script_len++] = (uint8_t)first;
    for (int i = 0; i < 4; i++) script[script_len++] = (uint8_t)(n >> (8 * i));
    for (int i = 0; i < 4; i++) script[script_len++] = (uint8_t)(crc >> (8 * i));
    memcpy(script + script_len, module, n);
    script_len += n;
    if (cut) script_len = cut;
}

static uint8_t module[3000];
static uint8_t buf[4096 + 16];

static void setup(void) {
    module[0] = 0, module[1] = 'a', module[2] = 's', module[3] = 'm', module[4] = 1;
    for (size_t i = 5; i < sizeof module; i++) module[i] = (uint8_t)(i * 7);
    memset(buf, 0xAA, sizeof buf);
}

static void test_crc(void) {
    CHECK(push_crc32((const uint8_t *)"123456789", 9) == 0xCBF43926u, "the CRC-32 check value");
}

static void test_match(void) {
    static const uint8_t req[] = "xx\0TSPI-PUSH\0\1";
    unsigned st = 0;
    int hit = -1;
    for (unsigned i = 0; i < sizeof req - 1; i++) if (push_match(&st, req[i])) hit = (int)i;
    CHECK(hit == (int)sizeof req - 2, "the request is seen at its version byte (%d)", hit);
    static const uint8_t v2[] = "\0TSPI-PUSH\0\2";
    st = 0, hit = 0;
    for (unsigned i = 0; i < sizeof v2 - 1; i++) hit |= push_match(&st, v2[i]);
    CHECK(!hit, "a version this stub does not speak is not a request");
    static const uint8_t typed[] = "TSPI-PUSH\1 push me";
    st = 0, hit = 0;
    for (unsigned i = 0; i < sizeof typed - 1; i++) hit |= push_match(&st, typed[i]);
    CHECK(!hit, "typed letters without the NULs are not a request");
}

static void test_good(void) {
    setup();
    host_sends(module, sizeof module, push_crc32(module, sizeof module), 'L', 0);
    size_t len = 0;
    const char *why = push_receive(&io, buf, 4096, &len);
    CHECK(why == 0, "accepted: %s", why ? why : "");
    CHECK(len == sizeof module && memcmp(buf, module, len) == 0, "the module arrived whole");
    CHECK(strcmp(said, "push: ready 4096 v1\npush: got 0\npush: got 1024\npush: got 2048\npush: got 3000\n") == 0, "answers: %s", said);
    CHECK(buf[sizeof module] == 0xAA, "nothing written after the module");
}

static void test_bit_flip(void) {
    setup();
    uint32_t crc = push_crc32(module, sizeof module);
    module[1500] ^= 0x10;
    host_sends(module, sizeof module, crc, 'L', 0);
    size_t len = 0;
    const char *why = push_receive(&io, buf, 4096, &len);
    CHECK(why && strstr(why, "CRC-32") && strstr(said, "push: refused: the module's CRC-32 is"), "a flipped bit: %s", said);
    CHECK(len == 0, "no length given for a refused module");
}

static void test_too_large(void) {
    setup();
    host_sends(module, sizeof module, push_crc32(module, sizeof module), 'L', 0);
    size_t len = 0;
    const char *why = push_receive(&io, buf, 2048, &len);
    CHECK(why && strstr(said, "push: refused: the module is 3000 bytes, more than the 2048 this board reserves"), "too large: %s", said);
    CHECK(script_at == 9, "refused after the header, before a byte of the module (read %zu)", script_at);
    CHECK(!strstr(said, "push: got 0"), "the host was not told to send the module: %s", said);
    CHECK(buf[0] == 0xAA, "nothing written");
}

static void test_truncated(void) {
    setup();
    host_sends(module, sizeof module, push_crc32(module, sizeof module), 'L', 9 + 1500);
    size_t len = 0;
    const char *why = push_receive(&io, buf, 4096, &len);
    CHECK(why && strstr(said, "push: refused: the host stopped after 1500 of 3000 bytes"), "disconnect halfway: %s", said);
    host_sends(module, sizeof module, 0, 'L', 4);
    why = push_receive(&io, buf, 4096, &len);
    CHECK(why && strstr(said, "push: refused: the host sent 4 of the header's 9 bytes"), "a short header: %s", said);
}

static void test_bad_header(void) {
    setup();
    host_sends(module, sizeof module, push_crc32(module, sizeof module), 'X', 0);
    size_t len = 0;
    const char *why = push_receive(&io, buf, 4096, &len);
    CHECK(why && strstr(said, "push: refused: the header starts with 0x58, not 'L'"), "a header of another tool: %s", said);
    host_sends(module, 3, push_crc32(module, 3), 'L', 0);
    why = push_receive(&io, buf, 4096, &len);
    CHECK(why && strstr(said, "cannot be wasm"), "three bytes: %s", said);
}

/* Puts `pre` (n bytes) before what host_sends scripted. */
static void prepend(const char *pre, size_t n) {
    memmove(script + n, script, script_len);
    memcpy(script, pre, n);
    script_len += n;
}

static void test_knocks(void) {
    /* Two more copies of the request before the header (a host knocking
     * while the board boots): skipped, the module arrives. */
    setup();
    host_sends(module, sizeof module, push_crc32(module, sizeof module), 'L', 0);
    prepend("\0TSPI-PUSH\0\1\0TSPI-PUSH\0\1", 24);
    size_t len = 0;
    const char *why = push_receive(&io, buf, 4096, &len);
    CHECK(why == 0 && len == sizeof module && memcmp(buf, module, len) == 0, "accepted after two knocks: %s", said);
    /* A NUL that does not start a request is still a bad header. */
    setup();
    host_sends(module, sizeof module, push_crc32(module, sizeof module), 'L', 0);
    prepend("\0TSPX", 5);
    why = push_receive(&io, buf, 4096, &len);
    CHECK(why && strstr(said, "push: refused: the header starts with 0x58"), "a broken-off request: %s", said);
}

static void test_faster_rate(void) {
    /* Asked for 921600 and confirmed with SYNC (twice: the host repeats it): the module comes at that rate. */
    setup();
    nbauds = 0;
    host_sends(module, sizeof module, push_crc32(module, sizeof module), 'L', 0);
    prepend("B\x00\x10\x0e\x00" "SYNCSYNC", 13);         /* 921600 = 0x000e1000 */
    size_t len = 0;
    const char *why = push_receive(&fast_io, buf, 4096, &len);
    CHECK(why == 0 && len == sizeof module, "accepted at 921600: %s", said);
    CHECK(strstr(said, "push: ready 4096 v1 baud 230400,460800,921600\npush: baud 921600\npush: synced 921600\npush: got 0\n") != 0, "answers: %s", said);
    CHECK(nbauds == 1 && bauds[0] == 921600, "switched once, to 921600 (%u switches)", nbauds);
    CHECK(push_end(&fast_io) == 1 && nbauds == 2 && bauds[1] == 0, "and back after the verdict");
    CHECK(push_end(&fast_io) == 0 && nbauds == 2, "only once");

    /* No SYNC within PUSH_SYNC_MS (the adapter cannot do it): back at once, and the module comes at the old rate. */
    setup();
    nbauds = 0;
    host_sends(module, sizeof module, push_crc32(module, sizeof module), 'L', 0);
    prepend("B\x00\x10\x0e\x00" "\x93\xfe", 7);          /* what a wrong rate reads as, then silence */
    silence_at = 7, silent_ms = PUSH_SYNC_MS + 500;
    why = push_receive(&fast_io, buf, 4096, &len);
    silence_at = (size_t)-1;
    CHECK(why == 0 && len == sizeof module, "accepted at the old rate: %s", said);
    CHECK(!strstr(said, "synced") && nbauds == 2 && bauds[0] == 921600 && bauds[1] == 0, "no sync: switched back (%u switches)", nbauds);
    CHECK(push_end(&fast_io) == 0 && nbauds == 2, "nothing to put back at the end");

    /* A rate the board does not offer: refused, nothing switched. */
    setup();
    nbauds = 0;
    host_sends(module, sizeof module, push_crc32(module, sizeof module), 'L', 0);
    prepend("B\x40\x42\x0f\x00", 5);                      /* 1000000 */
    why = push_receive(&fast_io, buf, 4096, &len);
    CHECK(why && strstr(said, "push: refused: 1000000 baud is not a rate this board offers") && nbauds == 0, "%s", said);

    /* A line with one rate offers none, and a 'B' there is a bad header. */
    setup();
    host_sends(module, sizeof module, push_crc32(module, sizeof module), 'L', 0);
    prepend("B\x00\x10\x0e\x00", 5);
    why = push_receive(&io, buf, 4096, &len);
    CHECK(strstr(said, "push: ready 4096 v1\n") && why && strstr(said, "the header starts with 0x42"), "%s", said);
}

static void test_wait(void) {
    CHECK(push_wait_ms(0) == 0 && push_wait_ms("") == 0, "no command line: no window");
    CHECK(push_wait_ms("console=ttyS0,115200 push.wait=1500 root=/dev/mmcblk0p2") == 1500, "among the firmware's options");
    CHECK(push_wait_ms("push.wait=250") == 250, "alone");
    CHECK(push_wait_ms("xpush.wait=9 push.waitx=9 push.wait=") == 0, "only the exact word, with a number");
    CHECK(push_wait_ms("push.wait=12ms push.wait=40") == 40, "push.wait=12ms is not a number: the next one counts");
    CHECK(push_wait_ms("push.wait=99999999999999") == PUSH_WAIT_MAX_MS, "capped at %u ms", PUSH_WAIT_MAX_MS);
}

/* QEMU's semihosting, faked: one host file, and what the stub asked for. */
static const uint8_t *host_file;
static long host_file_len;
static char asked[2048];
static long fake_read_file(const char *path, void *out, unsigned long max) {
    strncpy(asked, path, sizeof asked - 1);
    if (!host_file || strcmp(path, "/work/build/dev/kernel.wasm") != 0) return -1;
    if ((unsigned long)host_file_len > max) return -1;
    memcpy(out, host_file, (size_t)host_file_len);
    return host_file_len;
}
static const struct push_io file_io = { fake_getc, fake_puts, 0, fake_read_file };

/* An 'F' header: the length and CRC, then the path's length and the path. */
static void host_names(uint32_t n, uint32_t crc, const char *path, size_t plen) {
    host_sends(module, 0, crc, 'F', 0);
    for (int i = 0; i < 4; i++) script[1 + i] = (uint8_t)(n >> (8 * i));
    script[script_len++] = (uint8_t)plen, script[script_len++] = (uint8_t)(plen >> 8);
    memcpy(script + script_len, path, strlen(path));
    script_len += strlen(path);
}

static void test_file(void) {
    const char *path = "/work/build/dev/kernel.wasm";
    size_t len = 0;
    /* A good one: read, checked, said. */
    setup();
    host_file = module, host_file_len = sizeof module;
    host_names(sizeof module, push_crc32(module, sizeof module), path, strlen(path));
    const char *why = push_receive(&file_io, buf, 4096, &len);
    CHECK(why == 0, "a named file is accepted: %s", why ? why : "");
    CHECK(len == sizeof module && memcmp(buf, module, len) == 0, "the file's bytes are the module");
    CHECK(strcmp(said, "push: ready 4096 v1 file\npush: read 3000 from the host's file\n") == 0, "answers: %s", said);
    CHECK(strcmp(asked, path) == 0, "the stub asked for the path sent: %s", asked);
    /* Changed after the host computed the header: the length, or the bytes. */
    setup();
    host_names(sizeof module - 1, push_crc32(module, sizeof module - 1), path, strlen(path));
    why = push_receive(&file_io, buf, 4096, &len);
    CHECK(why && strstr(why, "the host's file has 3000 bytes, the header said 2999 (it changed meanwhile)"), "a length that changed: %s", why ? why : "");
    setup();
    host_names(sizeof module, push_crc32(module, sizeof module) ^ 1, path, strlen(path));
    why = push_receive(&file_io, buf, 4096, &len);
    CHECK(why && strstr(why, "the file's CRC-32 is 0x"), "bytes that changed: %s", why ? why : "");
    /* No such file. */
    setup();
    host_names(sizeof module, 0, "/nowhere/kernel.wasm", 20);
    why = push_receive(&file_io, buf, 4096, &len);
    CHECK(why && strstr(why, "the host's file /nowhere/kernel.wasm could not be read"), "a missing file: %s", why ? why : "");
    /* A board (no semihosting) neither offers it nor takes it. */
    setup();
    host_names(sizeof module, push_crc32(module, sizeof module), path, strlen(path));
    why = push_receive(&io, buf, 4096, &len);
    CHECK(strncmp(said, "push: ready 4096 v1\n", 20) == 0, "a board offers no file: %s", said);
    CHECK(why && strstr(why, "this board reads no host file"), "a board refuses an 'F' header: %s", why ? why : "");
    /* A path's length out of bounds, and one that stops short. */
    setup();
    host_names(sizeof module, 0, path, PUSH_PATH_MAX + 1);
    why = push_receive(&file_io, buf, 4096, &len);
    CHECK(why && strstr(why, "a path of 1025 bytes"), "a path too long: %s", why ? why : "");
    setup();
    host_names(sizeof module, 0, path, strlen(path) + 5);
    why = push_receive(&file_io, buf, 4096, &len);
    CHECK(why && strstr(why, "the host's path stopped short"), "a path cut off: %s", why ? why : "");
    host_file = 0;
}

int main(void) {
    run_test("further copies of the request before the header are skipped", test_knocks);
    run_test("push.wait= on the kernel command line", test_wait);
    run_test("a faster rate: asked, confirmed, or gone back from; one not offered refused", test_faster_rate);
    run_test("CRC-32 as zlib", test_crc);
    run_test("the request: magic and version, nothing a terminal types", test_match);
    run_test("a module arrives whole, piece by piece, each acknowledged", test_good);
    run_test("a flipped bit is refused (CRC-32)", test_bit_flip);
    run_test("too large: refused before a byte of it is read", test_too_large);
    run_test("a host that stops halfway, or in the header, is refused", test_truncated);
    run_test("a header of another tool, a module too short to be wasm", test_bad_header);
    run_test("under QEMU, a module named by its host file: read, checked, or refused with the reason", test_file);
    return test_summary();
}
