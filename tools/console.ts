// `make console`: a serial terminal of our own (issue 16), so nobody needs
// picocom or screen for a board.
//
//   make console DEVICE=/dev/ttyUSB0 [BAUD=115200] [TIMESTAMPS=1]   a board through a USB-serial adapter
//   make console [BOARD=pi4]                                          the kernel in QEMU, on a pty
//
//   node console.js (--device /dev/ttyUSB0 | --qemu build/kernel8.img --board pi3) [--baud N] [--timestamps]
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
import { spawn, ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { findBoard } from "./boards.js";
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

/** Starts QEMU with the UART on a pty; resolves with the pty's path and the process. */
export function startQemuOnPty(image: string, board: string): Promise<{ pty: string; qemu: ChildProcess }> {
  findBoard(board);
  if (!existsSync(image)) return Promise.reject(new Error(`no image ${image}: run make first`));
  const qemu = spawn(QEMU, [...qemuArgs(board, image), "-display", "none", "-monitor", "none", "-serial", "pty"], { stdio: ["ignore", "pipe", "pipe"] });
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

async function main(argv: string[]): Promise<number> {
  let device = "", image = "", board = "pi3", baud = 115200, timestamps = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--device") device = argv[++i] ?? "";
    else if (a === "--qemu") image = argv[++i] ?? "";
    else if (a === "--board") board = argv[++i] ?? "";
    else if (a === "--baud") baud = Number(argv[++i]);
    else if (a === "--timestamps") timestamps = true;
    else { console.error(`console: unknown argument ${a}`); return 2; }
  }
  if (!device && !image) { console.error("usage: console --device /dev/ttyUSB0 | --qemu build/kernel8.img [--board pi3]"); return 2; }
  if (!Number.isInteger(baud) || baud <= 0) { console.error(`console: BAUD=${baud}: give a rate such as 115200`); return 2; }
  let serialport: typeof import("serialport");
  try { serialport = await import("serialport"); } catch {
    console.error("console: the npm package serialport is missing: run make setup"); return 1;
  }
  let qemu: ChildProcess | null = null;
  if (image) {
    try { ({ pty: device, qemu } = await startQemuOnPty(image, board)); } catch (e) { console.error(`console: ${(e as Error).message}`); return 1; }
  } else if (!existsSync(device)) {
    console.error(`console: no ${device}: is the adapter plugged in? (ls /dev/ttyUSB* /dev/ttyACM*)`);
    return 1;
  }
  const display = new Display({ timestamps, colour: process.stdout.isTTY });
  const say = (s: string) => process.stdout.write(`\r\nconsole: ${s}\r\n`);
  say(`${image ? `QEMU (${board}) on ${device}` : `${device} at ${baud} baud`}; Ctrl-] quits`);
  const stdin = process.stdin;
  if (stdin.isTTY) stdin.setRawMode(true);
  stdin.resume();

  let port: InstanceType<typeof serialport.SerialPort> | null = null;
  let quitting = false, idle: NodeJS.Timeout | undefined;
  const done = new Promise<number>((resolve) => {
    const quit = (code: number) => {
      if (quitting) return;
      quitting = true;
      if (stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
      port?.isOpen && port.close();
      qemu?.kill();
      process.stdout.write(display.flush() + "\r\n");
      resolve(code);
    };
    stdin.on("data", (d: Buffer) => {
      const k = keys(d);
      if (k.send.length && port?.isOpen) port.write(k.send);
      if (k.quit) quit(0);
    });
    qemu?.on("exit", () => { say("QEMU has stopped"); quit(0); });
    const open = () => {
      if (quitting) return;
      const p = new serialport.SerialPort({ path: device, baudRate: baud, autoOpen: false });
      p.open((err) => {
        if (err) { setTimeout(open, 500); return; }
        if (port) say(`${device} is back`);
        port = p;
        p.on("data", (d: Buffer) => {
          process.stdout.write(display.feed(d));
          clearTimeout(idle);
          idle = setTimeout(() => process.stdout.write(display.flush()), 100);
        });
        p.on("close", () => {
          if (quitting) return;
          if (qemu) { quit(0); return; }
          say(`${device} is gone; waiting for it (Ctrl-] quits)`);
          setTimeout(open, 500);
        });
      });
    };
    open();
  });
  return done;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href)
  main(process.argv.slice(2)).then((c) => process.exit(c), (e) => { console.error(`console: ${e.message}`); process.exit(1); });
