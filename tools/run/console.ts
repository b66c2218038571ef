// `make console`: a serial terminal of our own (issue 16), so nobody needs
// picocom or screen for a board.
//
//   make console DEVICE=/dev/ttyUSB0 [BAUD=115200] [TIMESTAMPS=1]   a board through a USB-serial adapter
//   make console [BOARD=pi4]    (and make qemu)                      the kernel in QEMU, on a pty
//
//   node console.js (--device /dev/ttyUSB0 | --qemu build/kernel8.img --board pi3) [--baud N] [--timestamps]
//                   [--share build/uart.sock]
//
// What it does with the bytes:
//   - from the board: a lone LF (what the kernel prints) becomes CR LF for the
//     terminal, which is in raw mode; a line that starts with "panic:" or
//     "*** crash" is shown in red (when the output is a terminal); with
//     --timestamps each line starts with the time it began to arrive.
//   - to the board: what you type, as you type it (Enter is CR, which the
//     kernel's readLine takes as the end of a line, as from picocom).
//     Ctrl-] quits.
//   - an adapter that is unplugged is waited for: the console says so and
//     reopens the device when it is back.
//   - with --share, the UART is also offered on a Unix socket (make passes
//     build/uart.sock): `make push` in another terminal pushes through it,
//     and the new kernel's banner appears here.
import { spawn, ChildProcess } from "node:child_process";
import { existsSync, unlinkSync } from "node:fs";
import { createConnection, createServer, Socket } from "node:net";
import { findBoard } from "../boards/index.js";
import { QEMU, qemuArgs } from "./qemu.js";

export const QUIT = 0x1d;   // Ctrl-]
const RED = "\x1b[1;31m", RESET = "\x1b[0m";
const MARKERS = ["panic:", "*** crash"];

export interface DisplayOptions {
  timestamps?: boolean;
  colour?: boolean;
  /** The clock for timestamps (tests give their own). */
  now?: () => Date;
}

/** Turns what the board sends into what the terminal shows. */
export class Display {
  private atLineStart = true;
  private pending = "";      // the start of a line, until it is known whether it is a panic line
  private red = false;
  private lastCR = false;
  constructor(private opts: DisplayOptions = {}) {}

  private stamp(): string {
    if (!this.opts.timestamps) return "";
    const d = (this.opts.now ?? (() => new Date()))();
    const p = (n: number, w = 2) => String(n).padStart(w, "0");
    return `[${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}] `;
  }

  /** The line so far is decided (a panic line or not): out with it. */
  private decide(): string {
    const panic = MARKERS.some((m) => this.pending.startsWith(m));
    this.red = panic && !!this.opts.colour;
    const out = this.stamp() + (this.red ? RED : "") + this.pending;
    this.pending = "";
    this.atLineStart = false;
    return out;
  }

  feed(chunk: Uint8Array | string): string {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("latin1");
    let out = "";
    for (const ch of text) {
      if (ch === "\n") {
        if (this.atLineStart) out += this.decide();
        out += (this.red ? RESET : "") + (this.lastCR ? "\n" : "\r\n");
        this.red = false;
        this.atLineStart = true;
        this.lastCR = false;
        continue;
      }
      this.lastCR = ch === "\r";
      if (this.atLineStart) {
        this.pending += ch;
        // Held while it may still become a marker; out as soon as it is one, or cannot be.
        if (ch === "\r" || !MARKERS.some((m) => m.length > this.pending.length && m.startsWith(this.pending))) out += this.decide();
        continue;
      }
      out += ch;
    }
    return out;
  }

  /** After a pause in the input: show a line start held back to see whether it is a panic line. */
  flush(): string { return this.atLineStart && this.pending ? this.decide() : ""; }
}

/** What the keyboard typed: the bytes for the board, and whether to quit (Ctrl-]). */
export function keys(chunk: Uint8Array): { send: Buffer; quit: boolean } {
  const at = chunk.indexOf(QUIT);
  return at < 0 ? { send: Buffer.from(chunk), quit: false } : { send: Buffer.from(chunk.subarray(0, at)), quit: true };
}

/** The pty QEMU opened for -serial pty, from its message "char device redirected to /dev/pts/N (label serial0)". */
export function ptyFromQemu(stderr: string): string | null {
  return stderr.match(/char device redirected to (\/dev\/\S+)/)?.[1] ?? null;
}

/** Starts QEMU with the UART on a pty; resolves with the pty's path and the process. `extra`: more QEMU arguments (a test's -dtb and -append). */
export function startQemuOnPty(image: string, board: string, extra: string[] = []): Promise<{ pty: string; qemu: ChildProcess }> {
  findBoard(board);
  if (!existsSync(image)) return Promise.reject(new Error(`no image ${image}: run make first`));
  const qemu = spawn(QEMU, [...qemuArgs(board, image), "-display", "none", "-monitor", "none", "-serial", "pty", ...extra], { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let text = "";
    const seen = (d: Buffer) => {
      text += d.toString();
      const pty = ptyFromQemu(text);
      if (pty) resolve({ pty, qemu });
    };
    qemu.stdout!.on("data", seen);
    qemu.stderr!.on("data", seen);
    qemu.on("error", (e) => reject(new Error(`${QEMU} could not start (${e.message}): run make setup`)));
    qemu.on("exit", (code) => reject(new Error(`QEMU stopped (exit ${code}) before it opened a pty:\n${text}`)));
  });
}

export interface ConsoleOptions {
  /** The serial device (an adapter, or QEMU's pty). */
  device: string;
  baud: number;
  timestamps?: boolean;
  /** QEMU, when the console started it: its exit ends the console, and it stops with the console. */
  qemu?: ChildProcess | null;
  /** What the first line says the console is on. */
  title?: string;
  /** A port already open on `device` (make push stays attached with the one it pushed through). */
  port?: SerialPort | null;
  /** A Unix socket to share the UART through (build/uart.sock): make push, while this console runs. */
  share?: string;
}

type SerialPort = InstanceType<typeof import("serialport").SerialPort>;

/**
 * Shares the UART with clients of a Unix socket: each gets what the board
 * sends, and what a client writes goes to the board. `make push` pushes this
 * way while a console holds the device, as two readers of one tty would
 * each get half of the bytes. A socket left by a console that died is
 * replaced; one that answers belongs to a console still running (null).
 */
export async function shareUart(path: string, write: (d: Buffer) => void): Promise<{ send(d: Buffer): void; close(): void } | null> {
  const clients = new Set<Socket>();
  if (existsSync(path)) {
    const alive = await new Promise<boolean>((res) => {
      const c = createConnection(path, () => { c.destroy(); res(true); });
      c.on("error", () => res(false));
    });
    if (alive) return null;
    unlinkSync(path);
  }
  const server = createServer((c) => {
    clients.add(c);
    c.on("data", (d: Buffer) => write(d));
    c.on("close", () => clients.delete(c));
    c.on("error", () => clients.delete(c));
  });
  await new Promise<void>((res, rej) => { server.once("error", rej); server.listen(path, () => res()); });
  return {
    send: (d) => { for (const c of clients) c.write(d); },
    close: () => {
      for (const c of clients) c.destroy();
      server.close();
      try { unlinkSync(path); } catch { /* gone already */ }
    },
  };
}

/** The terminal: the board's output on stdout, the keyboard to the board; resolves with the exit status. */
export async function runConsole(o: ConsoleOptions): Promise<number> {
  const { SerialPort } = await import("serialport");
  const { device, baud, qemu } = o;
  const display = new Display({ timestamps: o.timestamps, colour: process.stdout.isTTY });
  const say = (s: string) => process.stdout.write(`\r\nconsole: ${s}\r\n`);
  let port: SerialPort | null = null;
  const shared = o.share ? await shareUart(o.share, (d) => { if (port?.isOpen) port.write(d); }) : null;
  say(`${o.title ?? `${device} at ${baud} baud`}; Ctrl-] quits` +
      (shared ? `; make push sends a new kernel.wasm through ${o.share}` : o.share ? ` (another console shares ${o.share}: make push goes through that one)` : ""));
  const stdin = process.stdin;
  if (stdin.isTTY) stdin.setRawMode(true);
  stdin.resume();

  let quitting = false, idle: NodeJS.Timeout | undefined;
  return new Promise<number>((resolve) => {
    const quit = (code: number) => {
      if (quitting) return;
      quitting = true;
      if (stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
      shared?.close();
      port?.isOpen && port.close();
      qemu?.kill();
      process.stdout.write(display.flush() + "\r\n");
      resolve(code);
    };
    // Killed or hung up: QEMU goes too, and the socket (a raw terminal has no Ctrl-C: it goes to the board).
    for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(sig, () => quit(1));
    stdin.on("data", (d: Buffer) => {
      const k = keys(d);
      if (k.send.length && port?.isOpen) port.write(k.send);
      if (k.quit) quit(0);
    });
    stdin.on("end", () => { if (!stdin.isTTY && !qemu) quit(0); });
    qemu?.on("exit", () => { say("QEMU has stopped"); quit(0); });
    const use = (p: SerialPort) => {
      port = p;
      p.on("data", (d: Buffer) => {
        process.stdout.write(display.feed(d));
        shared?.send(d);
        clearTimeout(idle);
        idle = setTimeout(() => process.stdout.write(display.flush()), 100);
      });
      p.resume();            // a port handed over paused (make push holds what the new kernel printed meanwhile)
      p.on("close", () => {
        if (quitting) return;
        if (qemu) { quit(0); return; }
        say(`${device} is gone; waiting for it (Ctrl-] quits)`);
        setTimeout(open, 500);
      });
    };
    const open = () => {
      if (quitting) return;
      const p = new SerialPort({ path: device, baudRate: baud, autoOpen: false });
      p.open((err) => {
        if (err) { setTimeout(open, 500); return; }
        if (port) say(`${device} is back`);
        use(p);
      });
    };
    if (o.port?.isOpen) use(o.port);
    else open();
  });
}

async function main(argv: string[]): Promise<number> {
  let device = "", image = "", board = "pi3", baud = 115200, timestamps = false, share = "";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--device") device = argv[++i] ?? "";
    else if (a === "--qemu") image = argv[++i] ?? "";
    else if (a === "--board") board = argv[++i] ?? "";
    else if (a === "--baud") baud = Number(argv[++i]);
    else if (a === "--timestamps") timestamps = true;
    else if (a === "--share") share = argv[++i] ?? "";
    else { console.error(`console: unknown argument ${a}`); return 2; }
  }
  if (!device && !image) { console.error("usage: console --device /dev/ttyUSB0 | --qemu build/kernel8.img [--board pi3] [--share build/uart.sock]"); return 2; }
  if (!Number.isInteger(baud) || baud <= 0) { console.error(`console: BAUD=${baud}: give a rate such as 115200`); return 2; }
  try { await import("serialport"); } catch {
    console.error("console: the npm package serialport is missing: run make setup"); return 1;
  }
  let qemu: ChildProcess | null = null;
  if (image) {
    try { ({ pty: device, qemu } = await startQemuOnPty(image, board)); } catch (e) { console.error(`console: ${(e as Error).message}`); return 1; }
  } else if (!existsSync(device)) {
    console.error(`console: no ${device}: is the adapter plugged in? (ls /dev/ttyUSB* /dev/ttyACM*)`);
    return 1;
  }
  const title = image ? `QEMU (${findBoard(board).title}, 4 cores) on ${device}` : undefined;
  return runConsole({ device, baud, timestamps, qemu, title, share: share || undefined });
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href)
  main(process.argv.slice(2)).then((c) => process.exit(c), (e) => { console.error(`console: ${e.message}`); process.exit(1); });
