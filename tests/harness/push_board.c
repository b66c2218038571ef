/* push_board.c: a stand-in board for the push protocol's host tests
 * (tests/host/push.test.ts): the board's own receiver, boot/push/push.c,
 * compiled for this machine and served on a pty, so the host's sender
 * (tools/push/push.ts) and the board's half meet over a real serial line.
 *
 *   push_board <max bytes> <file to write the module to>
 * prints the pty's path on its first line, waits for one push request,
 * receives, answers as the stub does, writes what it accepted, and exits
 * 0 (accepted) or 1 (refused). It checks nothing wasm3 would: that is the
 * board's next step (docs/push.md). It offers the faster rates, and logs
 * each switch on stderr ("push_board: rate N", 0 for back). */
#define _DEFAULT_SOURCE
#define _XOPEN_SOURCE 700
#include "push.h"
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static int fd;

static int get_byte(unsigned timeout_ms) {
    struct pollfd p = { .fd = fd, .events = POLLIN };
    if (poll(&p, 1, (int)timeout_ms) <= 0) return -1;
    unsigned char c;
    return read(fd, &c, 1) == 1 ? c : -1;
}

/* A pty has no rate of its own: the switch is set on it (as a UART's
 * divisors would be) and logged, so the host test sees both sides agree. */
static int slave = -1;
static void set_baud(unsigned baud) {
    struct termios t;
    tcdrain(fd);
    if (slave >= 0 && !tcgetattr(slave, &t)) {
        cfsetspeed(&t, baud == 921600 ? B921600 : baud == 460800 ? B460800 : baud == 230400 ? B230400 : B115200);
        tcsetattr(slave, TCSANOW, &t);
    }
    fprintf(stderr, "push_board: rate %u\n", baud);
}

static void put_line(const char *line) {
    size_t n = strlen(line);
    if (write(fd, line, n) != (ssize_t)n) exit(3);
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: push_board <max bytes> <out file>\n"); return 2; }
    fd = posix_openpt(O_RDWR | O_NOCTTY);
    if (fd < 0 || grantpt(fd) || unlockpt(fd)) { perror("pty"); return 2; }
    struct termios t;
    slave = open(ptsname(fd), O_RDWR | O_NOCTTY);   /* raw, as a UART: no echo, no CR translation */
    if (slave < 0 || tcgetattr(slave, &t)) { perror("pts"); return 2; }
    cfmakeraw(&t);
    tcsetattr(slave, TCSANOW, &t);
    printf("%s\n", ptsname(fd));
    fflush(stdout);
    unsigned st = 0;
    for (int first = 1;; first = 0) {
        int c = get_byte(20000);
        if (c < 0) { fprintf(stderr, "push_board: no request\n"); return 1; }
        /* the kernel still runs while the request comes in, and prints (once the host listens) */
        if (first) put_line("a kernel's own output, before the push\n");
        if (push_match(&st, (uint8_t)c)) break;
    }
    size_t max = (size_t)strtoul(argv[1], 0, 10), len = 0;
    uint8_t *buf = malloc(max ? max : 1);
    const struct push_io io = { get_byte, put_line, set_baud, 0 };   /* a board: no host file to read */
    const char *why = push_receive(&io, buf, max, &len);
    if (why) { push_end(&io); usleep(200000); return 1; }
    FILE *out = fopen(argv[2], "wb");
    if (!out || fwrite(buf, 1, len, out) != len || fclose(out)) { perror(argv[2]); return 2; }
    char line[64];
    snprintf(line, sizeof line, "push: accepted %zu, booting\n", len);
    put_line(line);
    push_end(&io);
    usleep(200000);
    close(slave);
    return 0;
}
