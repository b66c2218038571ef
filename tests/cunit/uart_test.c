/* links: boot/board/uart.c
 * uart_test.c: boot/board/uart.c against a PL011 that behaves like the silicon,
 * not like QEMU's: bytes written to DR wait in a 16-byte TX FIFO and leave
 * one per FR read while the UART is enabled with TXE set; FR.BUSY is set
 * while the FIFO holds data; a UART that is disabled finishes only the
 * character in progress, so BUSY then stays set for as long as the FIFO
 * holds data (PL011 TRM r1p5, 3.3.3 UARTFR and 3.3.8 UARTCR). */
#include "fake.h"
#include "arch.h"
#include "board.h"
#include "uart.h"

#define PERIPH 0x3F000000ull
#define UART0  (PERIPH + 0x201000)
#define FR_BUSY (1u << 3)
#define FR_TXFF (1u << 5)
#define FR_TXFE (1u << 7)
#define CR_UARTEN 1u
#define CR_TXE (1u << 8)
#define LCRH_FEN (1u << 4)

static const struct board pi3 = { .id = BOARD_PI3, .name = "Raspberry Pi 3", .soc = "BCM2837", .peripheral_base = PERIPH, .irq_controller = IRQC_BCM2835 };

static struct {
    unsigned fifo;       /* bytes queued in the TX FIFO */
    int shifting;        /* a character is on the wire */
    uint32_t cr, lcrh, ibrd, fbrd;
    unsigned sent;
    int flushed_with_data;   /* LCRH.FEN went 1 -> 0 while bytes were queued */
    int ibrd_written_while_enabled;
} pl011;

static int sending(void) { return (pl011.cr & CR_UARTEN) && (pl011.cr & CR_TXE); }

static uint32_t pl011_read(uint64_t off) {
    if (off == 0x18) {
        /* Time passes with each poll: one character leaves per read. */
        if (sending()) {
            if (pl011.shifting) { pl011.shifting = 0; pl011.sent++; }
            if (pl011.fifo) { pl011.fifo--; pl011.shifting = 1; }
        } else if (pl011.shifting) {
            pl011.shifting = 0; pl011.sent++;        /* the current character finishes; the FIFO waits */
        }
        uint32_t fr = 0;
        if (pl011.fifo || pl011.shifting) fr |= FR_BUSY;
        if (pl011.fifo >= 16) fr |= FR_TXFF;
        if (!pl011.fifo) fr |= FR_TXFE;
        return fr;
    }
    if (off == 0x30) return pl011.cr;
    if (off == 0x2c) return pl011.lcrh;
    if (off == 0x24) return pl011.ibrd;
    if (off == 0x28) return pl011.fbrd;
    return 0;
}

static void pl011_write(uint64_t off, uint32_t v) {
    switch (off) {
    case 0x00: if (pl011.fifo < 16) pl011.fifo++; break;
    case 0x24: pl011.ibrd = v; if (pl011.cr & CR_UARTEN) pl011.ibrd_written_while_enabled = 1; break;
    case 0x28: pl011.fbrd = v; break;
    case 0x2c:
        if ((pl011.lcrh & LCRH_FEN) && !(v & LCRH_FEN)) { if (pl011.fifo) pl011.flushed_with_data = 1; pl011.fifo = 0; }
        pl011.lcrh = v;
        break;
    case 0x30: pl011.cr = v; break;
    }
}

static const struct fake_device pl011_device = { UART0, 0x1000, pl011_read, pl011_write };

static void setup(unsigned queued, uint32_t cr) {
    board = &pi3;
    pl011.fifo = queued; pl011.shifting = queued > 0; pl011.cr = cr; pl011.lcrh = LCRH_FEN | (3u << 5);
    pl011.sent = 0; pl011.flushed_with_data = 0; pl011.ibrd_written_while_enabled = 0;
    fake_add_device(&pl011_device);
    fake_poll_limit = 100000;
}

/* The `cores online` line was just printed by polling: 12 bytes still queued. */
static void test_reinit_with_bytes_queued(void) {
    setup(12, CR_UARTEN | CR_TXE | (1u << 9));
    uart_init();
    CHECK(pl011.sent == 13, "the queued bytes went out before the UART was re-programmed (sent %u of 13)", pl011.sent);
    CHECK(!pl011.flushed_with_data, "the FIFO was flushed with bytes still in it");
    CHECK(!pl011.ibrd_written_while_enabled, "the divisors were written while the UART was enabled");
    CHECK(pl011.ibrd == 26 && pl011.fbrd == 3, "115200 from 48 MHz: IBRD %u FBRD %u", pl011.ibrd, pl011.fbrd);
    CHECK((pl011.cr & (CR_UARTEN | CR_TXE)) == (CR_UARTEN | CR_TXE), "enabled again (CR 0x%x)", pl011.cr);
}

/* A UART left enabled with its transmitter off never drains: the wait is bounded. */
static void test_reinit_transmitter_off(void) {
    setup(5, CR_UARTEN);
    uart_init();
    CHECK(pl011.ibrd == 26, "programmed after the bounded wait (IBRD %u)", pl011.ibrd);
    CHECK((pl011.cr & CR_TXE) != 0, "transmitter on afterwards");
    CHECK(fake_ticks <= 100 * 1000, "gave up within about 50 ms (took %llu ms)", (unsigned long long)(fake_ticks / 1000));
}

/* Never enabled (firmware without enable_uart): nothing to wait for. */
static void test_init_from_cold(void) {
    setup(0, 0);
    uart_init();
    CHECK(pl011.ibrd == 26 && (pl011.cr & CR_UARTEN), "programmed and enabled");
    uart_putc('x');
    CHECK(pl011.fifo == 1, "a byte queued after init");
}

/* The firmware left the PL011 on the Bluetooth pins (GPIO 30-33 in ALT3)
 * and the mini UART on 14/15 (ALT5); GPIO 34 is something else's (ALT3 too). */
static void test_pins_taken_from_bluetooth(void) {
    setup(0, 0);
    uint64_t gpfsel1 = PERIPH + 0x200004, gpfsel3 = PERIPH + 0x20000c;
    fake_set(gpfsel1, (2u << 12) | (2u << 15) | 1u);            /* 14/15 ALT5, GPIO 10 an output */
    fake_set(gpfsel3, 07777u | (7u << 12));                      /* 30-33 ALT3, 34 ALT3 */
    uart_init();
    CHECK(((fake_get(gpfsel1) >> 12) & 077) == 044, "GPIO 14/15 in ALT0 (GPFSEL1 0x%x)", fake_get(gpfsel1));
    CHECK((fake_get(gpfsel1) & 7) == 1, "GPIO 10 left alone");
    CHECK((fake_get(gpfsel3) & 07777) == 0, "GPIO 30-33 back to input (GPFSEL3 0x%x)", fake_get(gpfsel3));
    CHECK(((fake_get(gpfsel3) >> 12) & 7) == 7, "GPIO 34 left alone");
}

/* The push switches to 921600 and back to the kernel's own setting. */
static void test_push_rate(void) {
    setup(3, CR_UARTEN | CR_TXE | (1u << 9) | (1u << 11));   /* the kernel's: RTS set too */
    pl011.ibrd = 13, pl011.fbrd = 1;                          /* 230400, the kernel's rate */
    uart_set_baud(921600);
    CHECK(pl011.sent == 4, "what was queued went out first (sent %u of 4)", pl011.sent);
    CHECK(!pl011.flushed_with_data && !pl011.ibrd_written_while_enabled, "flushed empty, divisors written disabled");
    CHECK(pl011.ibrd == 3 && pl011.fbrd == 16, "921600 from 48 MHz: IBRD %u FBRD %u", pl011.ibrd, pl011.fbrd);
    uart_set_baud(460800);
    CHECK(pl011.ibrd == 6 && pl011.fbrd == 33, "460800: IBRD %u FBRD %u", pl011.ibrd, pl011.fbrd);
    uart_set_baud(0);
    CHECK(pl011.ibrd == 13 && pl011.fbrd == 1, "back to the kernel's divisors: IBRD %u FBRD %u", pl011.ibrd, pl011.fbrd);
    CHECK(pl011.cr == (CR_UARTEN | CR_TXE | (1u << 9) | (1u << 11)), "and its control bits (CR 0x%x)", pl011.cr);
    pl011.ibrd = 99;
    uart_set_baud(0);
    CHECK(pl011.ibrd == 99, "a second 0 changes nothing");
}

int main(void) {
    run_test("the push's rate and back (uart_set_baud)", test_push_rate);
    run_test("uart_init takes the PL011 back from the Bluetooth pins", test_pins_taken_from_bluetooth);
    run_test("uart_init re-programs a PL011 with bytes still in its TX FIFO", test_reinit_with_bytes_queued);
    run_test("uart_init gives up waiting on a transmitter that is off", test_reinit_transmitter_off);
    run_test("uart_init from a UART the firmware never enabled", test_init_from_cold);
    return test_summary();
}
