// `make push`: the sender of the push protocol (docs/push.md). It sends a
// kernel.wasm to the running kernel (the stub takes it over), with progress,
// says what the board answered, and then stays on as the console.
//
//   node push.js --device /dev/ttyUSB0 [--baud 115200] build/kernel.wasm   the board's UART
//   node push.js --socket build/uart.sock build/kernel.wasm               through make console / make qemu
//   [--wait <s>]    no answer: knock for s seconds more, for a board being reset
//                   into its boot window (push.wait= in cmdline.txt)
//   [--force]       send what does not look like wasm, or is too large: the board judges
//   [--no-console]  exit after the push instead of staying on as the console
//
// Exit status: 0 when the board accepted the module, 1 when it refused it or
// did not answer (the reason is printed), 2 for a bad command line.
import { existsSync, readFileSync } from "node:fs";
import { createConnection } from "node:net";
import { CHUNK, VERSION, checkBeforePush, crc32, header, parseReply, pieces, request, Reply } from "./protocol.js";

/** What the sender needs of a serial port (npm serialport's SerialPort has it). */
export interface Port {
  write(data: Buffer): unknown;
  on(event: "data", f: (d: Buffer) => void): unknown;
  off(event: "data", f: (d: Buffer) => void): unknown;
}

/** bytes: of the module, acknowledged; wire: every byte written (requests, header, module). */
export interface PushResult { ok: boolean; message: string; bytes: number; wire: number; ms: number }

export interface PushOptions {
  /** How long to wait for each answer (the board's "ready", "got", "accepted"). */
  answerMs?: number;
  /** No answer to the request: send it again every KNOCK_MS for this long (a board being reset into its boot window). */
  knockMs?: number;
  /** Called once when the knocking starts. */
  knocking?: (ms: number) => void;
  /** Send a module that does not look like wasm, or is larger than the board's reserve: the board's checks judge it. */
  force?: boolean;
  /** Progress, after each piece the board acknowledged. */
  progress?: (sent: number, total: number, ms: number) => void;
  /** Lines from the board that are not the protocol's (its console output). */
  other?: (line: string) => void;
}

/** Pushes `module` through `port`; resolves with what happened, never throws for the board's answers. */
export async function push(port: Port, module: Uint8Array, opts: PushOptions = {}): Promise<PushResult> {
  const answerMs = opts.answerMs ?? 3000;
  const started = Date.now();
  const lines: string[] = [];
  let partial = "";
  let wake: (() => void) | null = null;
  const onData = (d: Buffer) => {
    partial += d.toString("latin1");
    let nl: number;
    while ((nl = partial.indexOf("\n")) >= 0) {
      const line = partial.slice(0, nl).replace(/\r$/, "");
      partial = partial.slice(nl + 1);
      if (parseReply(line)) lines.push(line);
      else opts.other?.(line);
    }
    wake?.();
  };
  const next = async (ms = answerMs): Promise<Reply | null> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const line = lines.shift();
      if (line !== undefined) return parseReply(line);
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => { wake = resolve; setTimeout(resolve, left); });
      wake = null;
    }
  };
  let wire = 0;
  const send = (d: Buffer) => { wire += d.length; port.write(d); };
  const result = (ok: boolean, message: string, bytes = 0): PushResult => ({ ok, message, bytes, wire, ms: Date.now() - started });
  port.on("data", onData);
  try {
    send(request());
    let ready = await next();
    const knockMs = opts.knockMs ?? 0;
    if (!ready && knockMs > 0) {
      opts.knocking?.(knockMs);
      const until = Date.now() + knockMs;
      while (!ready && Date.now() < until) {
        send(request());
        ready = await next(Math.min(KNOCK_MS, until - Date.now()));
      }
    }
    if (!ready) return result(false, `no answer to the push request within ${answerMs + knockMs} ms: is a kernel running on the board, and is this its UART? A wedged kernel: reset the board while make push waits (it knocks for WAIT seconds; the stub's boot window is push.wait= in cmdline.txt). An image built with BACKEND=aot takes no push. See docs/hardware.md, "When a push gets no answer"`);
    if (ready.kind === "refused") return result(false, `the board refused: ${ready.why}`);
    if (ready.kind !== "ready") return result(false, `the board answered "${ready.kind}" to the request; expected "ready"`);
    if (ready.version !== VERSION) return result(false, `the board speaks push protocol v${ready.version}, this tool v${VERSION}: rebuild both`);
    const bad = opts.force ? null : checkBeforePush(module, ready.max);
    if (bad) {
      send(header(0, 0));   // the board refuses a 0-byte module and goes back to its kernel
      await next();
      return result(false, `not sent: ${bad}`);
    }
    send(header(module.length, crc32(module)));
    // The board checks the header first (its length against what it reserves): nothing of the module goes before its "got 0".
    const go = await next();
    if (!go) return result(false, `the board went silent after the header`);
    if (go.kind === "refused") return result(false, `the board refused: ${go.why}`);
    if (go.kind !== "got" || go.bytes !== 0) return result(false, `the board answered ${go.kind === "got" ? `got ${go.bytes}` : go.kind} to the header; expected "got 0"`);
    let sent = 0;
    for (const piece of pieces(module, CHUNK)) {
      send(piece);
      sent += piece.length;
      const a = await next();
      if (!a) return result(false, `the board went silent after ${sent} of ${module.length} bytes`, sent);
      if (a.kind === "refused") return result(false, `the board refused: ${a.why}`, sent);
      if (a.kind !== "got" || a.bytes !== sent) return result(false, `the board acknowledged ${a.kind === "got" ? a.bytes : a.kind} where ${sent} bytes were sent`, sent);
      opts.progress?.(sent, module.length, Date.now() - started);
    }
    const end = await next(Math.max(answerMs, VERDICT_MS));   // the board loads the module four times first
    if (!end) return result(false, `no verdict from the board within ${Math.max(answerMs, VERDICT_MS)} ms after the whole module`, sent);
    if (end.kind === "refused") return result(false, `the board refused: ${end.why}`, sent);
    if (end.kind !== "accepted") return result(false, `the board answered "${end.kind}" at the end`, sent);
    return result(true, `accepted: ${end.bytes} bytes`, sent);
  } finally {
    port.off("data", onData);
  }
}

/** How long the board may take to check and load a whole module before it answers. */
export const VERDICT_MS = 10_000;

/** How often a board that has not answered is asked again (knockMs). */
export const KNOCK_MS = 250;

/** "12.0 KiB of 34.3 KiB, 10.9 KiB/s, 2.1 s left" */
export function progressLine(sent: number, total: number, ms: number): string {
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const rate = ms > 0 ? (sent * 1000) / ms : 0;
  const left = rate > 0 ? (total - sent) / rate : 0;
  return `${kib(sent)} of ${kib(total)}, ${kib(rate)}/s, ${left.toFixed(1)} s left`;
}

async function main(argv: string[]): Promise<number> {
  let device = "", socket = "", baud = 115200, file = "", waitS = 0, force = false, stay = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--device") device = argv[++i] ?? "";
    else if (a === "--socket") socket = argv[++i] ?? "";
    else if (a === "--baud") baud = Number(argv[++i]);
    else if (a === "--wait") waitS = Number(argv[++i]);
    else if (a === "--force") force = true;
    else if (a === "--no-console") stay = false;
    else if (a.startsWith("--")) { console.error(`push: unknown option ${a}`); return 2; }
    else file = a;
  }
  if ((!device && !socket) || !file) {
    console.error("usage: push (--device /dev/ttyUSB0 [--baud 115200] | --socket build/uart.sock) [--wait s] [--force] [--no-console] build/kernel.wasm");
    return 2;
  }
  if (!Number.isInteger(baud) || baud <= 0) { console.error(`push: BAUD=${baud}: give a rate such as 115200`); return 2; }
  if (!(waitS >= 0)) { console.error(`push: WAIT=${waitS}: give seconds, such as 30`); return 2; }
  let module: Buffer;
  try { module = readFileSync(file); } catch (e) { console.error(`push: cannot read ${file}: ${(e as Error).message}`); return 1; }

  let port: Port, close: () => Promise<unknown>;
  let serial: InstanceType<typeof import("serialport").SerialPort> | null = null;
  if (socket) {
    if (!existsSync(socket)) {
      console.error(`push: no ${socket}: neither make console nor make qemu is running to push through. Start one, or push to the board's adapter: make push DEVICE=/dev/ttyUSB0`);
      return 1;
    }
    const s = createConnection(socket);
    try { await new Promise<void>((res, rej) => { s.once("connect", res); s.once("error", rej); }); } catch (e) {
      console.error(`push: ${socket} does not answer (${(e as Error).message}): the console that made it has stopped. Start make console or make qemu again`);
      return 1;
    }
    port = s, close = () => new Promise<void>((res) => s.end(() => res()));
  } else {
    const { SerialPort } = await import("serialport");
    const p = new SerialPort({ path: device, baudRate: baud, autoOpen: false });
    try { await new Promise<void>((res, rej) => p.open((e) => (e ? rej(e) : res()))); } catch (e) {
      console.error(`push: cannot open ${device}: ${(e as Error).message}${existsSync(device) ? " (is a console open on it? make push without DEVICE goes through make console)" : ": is the adapter plugged in?"}`);
      return 1;
    }
    serial = p, port = p, close = () => new Promise((res) => p.close(res));
  }
  const r = await push(port, module, {
    knockMs: waitS * 1000, force,
    knocking: (ms) => process.stderr.write(`push: no answer from a running kernel; knocking for ${(ms / 1000).toFixed(0)} s: reset the board now to push into its boot window\n`),
    progress: (s, t, ms) => process.stderr.write(`\rpush: ${progressLine(s, t, ms)}   `),
    other: (l) => process.stdout.write(l + "\n"),
  });
  process.stderr.write(`\npush: ${r.message} (${r.wire} bytes on the wire in ${(r.ms / 1000).toFixed(2)} s)\n`);
  // Through a console's socket the console shows the new kernel; on a device, stay on as the console.
  if (r.ok && serial && stay && process.stdin.isTTY) {
    const { runConsole } = await import("../console.js");
    return runConsole({ device, baud, port: serial });
  }
  await close();
  return r.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href)
  main(process.argv.slice(2)).then((c) => process.exit(c), (e) => { console.error(`push: ${e.message}`); process.exit(1); });
