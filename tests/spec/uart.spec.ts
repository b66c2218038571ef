// The UART driver against a PL011 that behaves like the silicon
// (fake.pl011 in tools/testing/fake-host.ts): re-configuration with bytes
// still queued, and readLine as a user at a terminal types.
import * as uart from "../../assembly/drivers/uart";
import { Task, Context, spawnOn, runOnce, serviceEvents } from "../../assembly/kernel/exec";
import { Board } from "../../assembly/board";
import { stats, HeapStats } from "../../assembly/kernel/mem/heap";
import { trace, machine, pl011, pl011Queue, pl011Queued, uartType, uartSent, uartSentLength, raiseIrq, autoAdvance } from "../../assembly/testing";

const PI3_UART: u32 = 0x3f201000;

function drain(): void { while (runOnce()) {} }

describe("UART configure on a PL011 with bytes still queued", () => {
  it("lets the TX FIFO drain before it disables the UART, so it does not wait forever on BUSY", () => {
    machine(Board.Pi3);
    pl011(PI3_UART);
    autoAdvance(62_500);                        // each counter read: 1 ms of the fake clock
    pl011Queue(14, 0x301);                      // "cores online: 4" partly still in the FIFO, UART on
    expect(uart.configure(115200, 48_000_000)).toBe(true);
    expect(pl011Queued()).toBe(0);              // everything went out before the flush
    expect(trace().includes("mmio.write32 0x3f201024 0x1a\nmmio.write32 0x3f201028 0x3")).toBe(true);
  });

  it("gives up on a transmitter that is off (bounded wait), then programs the UART", () => {
    machine(Board.Pi3);
    pl011(PI3_UART);
    autoAdvance(62_500);
    pl011Queue(5, 0x1);                         // UARTEN but not TXE: the FIFO never drains
    expect(uart.configure(115200, 48_000_000)).toBe(true);
    expect(trace().endsWith("mmio.write32 0x3f201030 0x301")).toBe(true);
  });
});

/** Reads lines and keeps each (with " (truncated)" if it was cut), or only looks at them. */
class Lines extends Task {
  read: uart.ReadLine;
  got: Array<string> = new Array<string>();
  keep: bool = true;
  seen: i32 = 0;
  constructor(port: uart.Port, max: i32) { super(); this.read = port.readLine(max); }
  poll(cx: Context): bool {
    while (this.read.poll(cx)) {
      this.seen += this.read.line.length;
      if (this.keep) this.got.push(this.read.truncated ? this.read.takeLine() + " (truncated)" : this.read.takeLine());
      this.read.reset();
    }
    return false;
  }
}

let port!: uart.Port;
let lines!: Lines;
let sentBefore: i32 = 0;

function terminal(max: i32 = 256): void {
  machine(Board.Pi3);
  pl011(PI3_UART);
  uart.configure(115200, 48_000_000);
  port = uart.open(0);
  lines = new Lines(port, max);
  spawnOn(0, lines);
  drain();
  sentBefore = uartSentLength();
}

/** The user types `s`: bytes reach the RX FIFO, the interrupt fires, the executor runs. */
function type(s: string): void {
  uartType(s);
  raiseIrq(57);
  serviceEvents();
  drain();
}

/** The lines read so far, each followed by "|". */
function said(): string { return lines.got.join("|") + "|"; }

/** What the UART sent back since terminal(). */
function echoed(): string { return uartSent(sentBefore); }

describe("UART readLine, as a terminal sends it", () => {
  it("Enter as CR (picocom, screen, PuTTY, make qemu) ends the line, and what is typed is echoed", () => {
    terminal();
    type("hello\r");
    expect(said()).toBe("hello|");
    expect(echoed()).toBe("hello\r\n");
  });

  it("LF alone and CR LF end a line once each: no empty line from a CR LF, even split across reads", () => {
    terminal();
    type("one\n");
    type("two\r");
    type("\nthree\r\n");
    type("four\n");
    expect(said()).toBe("one|two|three|four|");
  });

  it("Backspace (DEL or BS) erases a character, a whole UTF-8 one; the terminal sees it rubbed out", () => {
    terminal();
    type("helx\x7flo\r");
    type("caf\u00e9\x08e\r");
    expect(said()).toBe("hello|cafe|");
    expect(echoed().substring(0, 11)).toBe("helx\b \blo\r\n");
  });

  it("Ctrl-U erases the line, Ctrl-C abandons it, arrow keys and other controls are ignored", () => {
    terminal();
    type("junk\x15ok\r");
    type("never\x03again\r");
    type("up\x1b[Adown\x1bOB\x01!\r");
    expect(said()).toBe("ok|again|updown!|");
  });

  it("a line longer than the buffer keeps its first bytes and says it was truncated", () => {
    terminal(4);
    type("abcdefg\rxy\r");
    expect(said()).toBe("abcd (truncated)|xy|");
  });

  it("with echo off nothing is sent back", () => {
    terminal();
    port.echo = false;
    type("quiet\r");
    expect(said()).toBe("quiet|");
    expect(echoed()).toBe("");
  });

  it("reading line after line does not leak: .line is made once and freed by reset()", () => {
    terminal();
    lines.keep = false;
    type("warm up\r");
    const s = changetype<HeapStats>(memory.data(offsetof<HeapStats>(), 16));
    stats(s);
    const live = s.liveBlocks;
    for (let i = 0; i < 50; i++) type("another line\r");
    stats(s);
    expect(s.liveBlocks).toBe(live);
    expect(lines.seen).toBe(7 + 50 * 12);
  });
});
