// `make push`: the sender of the push protocol (docs/push.md). It sends a
// kernel.wasm to the running kernel (the stub takes it over), with progress,
// says what the board answered, and then stays on as the console.
//
//   node push.js --device /dev/ttyUSB0 [--baud 115200] build/kernel.wasm   the board's UART
//   [--fast-baud 921600]  the module goes at the fastest rate the board offers up to this
//                   (both sides confirm it, else both stay at --baud); 0: at --baud
//   node push.js --socket build/uart.sock build/kernel.wasm               through make console / make qemu
//   [--wait <s>]    no answer: knock for s seconds more, for a board being reset
//                   into its boot window (push.wait= in cmdline.txt)
//   [--force]       send what does not look like wasm, or is too large: the board judges
//   [--no-console]  exit after the push instead of staying on as the console
//   [--bytes]       send the module's bytes even where the board offers to read its file (QEMU)
//
// Exit status: 0 when the board accepted the module, 1 when it refused it or
// did not answer (the reason is printed), 2 for a bad command line.
import { existsSync, readFileSync } from "node:fs";
import { createConnection } from "node:net";
import { resolve } from "node:path";
import { ACK_MS, CHUNK, SYNC, SYNC_MS, VERSION, checkBeforePush, crc32, fileHeader, header, parseReply, pieces, rateRequest, request, Reply } from "./protocol.js";

/** What the sender needs of a serial port (npm serialport's SerialPort has it; a console's socket has no rate). */
export interface Port {
  write(data: Buffer): unknown;
  on(event: "data", f: (d: Buffer) => void): unknown;
  off(event: "data", f: (d: Buffer) => void): unknown;
  /** Waits until what was written has gone out. */
  drain?(cb: (err: Error | null) => void): unknown;
  /** Changes the line's rate. */
  update?(options: { baudRate: number }, cb: (err: Error | null) => void): unknown;
  /** Holds what arrives (a stream's pause): see PushOptions.hold. */
  pause?(): unknown;
}

/** bytes: of the module, acknowledged; wire: every byte written (requests, header, module); baud: the transfer's rate, if one was set. */
export interface PushResult { ok: boolean; message: string; bytes: number; wire: number; ms: number; baud?: number; transferMs?: number }

export interface PushOptions {
  /** How long to wait for the board's "ready"; each later answer ("baud", "got") waits at least ACK_MS,
   *  the verdict at least VERDICT_MS (a board that is answering is slowed, not gone: a loaded host, QEMU). */
  answerMs?: number;
  /** No answer to the request: send it again every KNOCK_MS for this long (a board being reset into its boot window). */
  knockMs?: number;
  /** Called once when the knocking starts. */
  knocking?: (ms: number) => void;
  /** Send a module that does not look like wasm, or is larger than the board's reserve: the board's checks judge it. */
  force?: boolean;
  /** The rate the line runs at now (the kernel's), and the faster one to ask for when the board offers it (the highest offered at or below). */
  lineBaud?: number;
  fastBaud?: number;
  /** Said when the rate changes, or a faster one did not work. */
  note?: (line: string) => void;
  /** Progress, after each piece the board acknowledged. */
  progress?: (sent: number, total: number, ms: number) => void;
  /** Lines from the board that are not the protocol's (its console output). */
  other?: (line: string) => void;
  /**
   * The module's file, absolute: sent by name instead of by its bytes when
   * the board offers "file" (a stub under QEMU, which reads it through
   * semihosting). A board never offers it; without this the bytes go.
   */
  file?: string;
  /** Pause the port when the push is over, so that what the new kernel prints while the caller sets up its console is held for it, not dropped (a console that takes the port resumes it). */
  hold?: boolean;
}

/** Pushes `module` through `port`; resolves with what happened, never throws for the board's answers. */
export async function push(port: Port, module: Uint8Array, opts: PushOptions = {}): Promise<PushResult> {
  const answerMs = opts.answerMs ?? 3000;
  const ackMs = Math.max(answerMs, ACK_MS);
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
  let baudNow: number | undefined, moduleStarted = 0, moduleEnded = 0, refusedRate = "";
  const result = (ok: boolean, message: string, bytes = 0): PushResult =>
    ({ ok, message, bytes, wire, ms: Date.now() - started, baud: baudNow, transferMs: moduleEnded ? moduleEnded - moduleStarted : undefined });
  const setRate = (rate: number) => new Promise<void>((res, rej) => {
    port.drain!((e) => (e ? rej(e) : port.update!({ baudRate: rate }, (e2) => (e2 ? rej(e2) : res()))));
  });
  /** Both sides to `want`: the rate (or undefined: stayed at `line`), or -1 when the board did not answer. */
  const faster = async (want: number, line: number): Promise<number | undefined> => {
    send(rateRequest(want));
    const a = await next(ackMs);
    if (a?.kind === "refused") { refusedRate = a.why; return -1; }
    if (!a || a.kind !== "baud" || a.baud !== want) return -1;
    await setRate(want);
    const until = Date.now() + SYNC_MS - 100;     // stop before the board gives up, so no SYNC reaches it at the old rate
    let synced = false;
    while (!synced && Date.now() < until) {
      send(SYNC);
      const r = await next(Math.min(100, until - Date.now()));
      synced = r?.kind === "synced" && r.baud === want;
    }
    if (!synced) {
      await new Promise((r) => setTimeout(r, 600));  // the board is back at the old rate by SYNC_MS
      await setRate(line);
      opts.note?.(`${want} baud did not work (no answer at that rate): the module goes at ${line}`);
      return undefined;
    }
    baudNow = want;
    opts.note?.(`the module goes at ${want} baud`);
    return want;
  };
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
    if (!ready) return result(false, `no answer to the push request within ${answerMs + knockMs} ms: is a kernel running on the board, and is this its UART? The stub sees a push in the bytes the kernel reads from its UART: a kernel that never reads it (no readLine, no read) cannot take one. A wedged kernel: reset the board while make push waits (it knocks for WAIT seconds; the stub's boot window is push.wait= in cmdline.txt). An image built with BACKEND=aot takes no push. See docs/hardware.md, "When a push gets no answer"`);
    if (ready.kind === "refused") return result(false, `the board refused: ${ready.why}`);
    if (ready.kind !== "ready") return result(false, `the board answered "${ready.kind}" to the request; expected "ready"`);
    if (ready.version !== VERSION) return result(false, `the board speaks push protocol v${ready.version}, this tool v${VERSION}: rebuild both`);
    const bad = opts.force ? null : checkBeforePush(module, ready.max);
    let baud: number | undefined;
    if (!bad && opts.fastBaud && opts.lineBaud && port.update && port.drain) {
      const want = Math.max(0, ...ready.bauds.filter((b) => b <= opts.fastBaud! && b > opts.lineBaud!));
      if (want) baud = await faster(want, opts.lineBaud);
      if (baud === -1) return result(false, refusedRate ? `the board refused: ${refusedRate}` : `the board did not answer the request for ${want} baud`);
    }
    if (bad) {
      send(header(0, 0));   // the board refuses a 0-byte module and goes back to its kernel
      await next();
      return result(false, `not sent: ${bad}`);
    }
    const byName = !!opts.file && ready.file;
    let sent = 0;
    if (byName) {
      // A stub under QEMU reads the file itself (semihosting): nothing of the module crosses the emulated UART.
      send(fileHeader(module.length, crc32(module), opts.file!));
      const read = await next(ackMs);
      if (!read) return result(false, `the board went silent after the file header`);
      if (read.kind === "refused") return result(false, `the board refused: ${read.why}`);
      if (read.kind !== "read" || read.bytes !== module.length) return result(false, `the board answered ${read.kind} to the file header; expected "read ${module.length}"`);
    } else {
      send(header(module.length, crc32(module)));
      // The board checks the header first (its length against what it reserves): nothing of the module goes before its "got 0".
      const go = await next(ackMs);
      if (!go) return result(false, `the board went silent after the header`);
      if (go.kind === "refused") return result(false, `the board refused: ${go.why}`);
      if (go.kind !== "got" || go.bytes !== 0) return result(false, `the board answered ${go.kind === "got" ? `got ${go.bytes}` : go.kind} to the header; expected "got 0"`);
      moduleStarted = Date.now();
      for (const piece of pieces(module, CHUNK)) {
        send(piece);
        sent += piece.length;
        const a = await next(ackMs);
        if (!a) return result(false, `the board went silent after ${sent} of ${module.length} bytes`, sent);
        if (a.kind === "refused") return result(false, `the board refused: ${a.why}`, sent);
        if (a.kind !== "got" || a.bytes !== sent) return result(false, `the board acknowledged ${a.kind === "got" ? a.bytes : a.kind} where ${sent} bytes were sent`, sent);
        opts.progress?.(sent, module.length, Date.now() - started);
      }
      moduleEnded = Date.now();
    }
    const end = await next(Math.max(answerMs, VERDICT_MS));   // the board loads the module four times first
    if (!end) return result(false, `no verdict from the board within ${Math.max(answerMs, VERDICT_MS)} ms after ${byName ? "the file" : "the whole module"}`, sent);
    if (end.kind === "refused") return result(false, `the board refused: ${end.why}`, sent);
    if (end.kind !== "accepted") return result(false, `the board answered "${end.kind}" at the end`, sent);
    return result(true, byName ? `accepted: ${end.bytes} bytes, which the stub read from ${opts.file} itself (QEMU's semihosting)` : `accepted: ${end.bytes} bytes`, sent);
  } finally {
    // The board goes back to the kernel's rate after its verdict (and waits 50 ms for us).
    if (baudNow && opts.lineBaud) await setRate(opts.lineBaud).catch(() => {});
    if (opts.hold) port.pause?.();
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
  let device = "", socket = "", baud = 115200, fast = 921600, file = "", waitS = 0, force = false, stay = true, byName = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--device") device = argv[++i] ?? "";
    else if (a === "--socket") socket = argv[++i] ?? "";
    else if (a === "--baud") baud = Number(argv[++i]);
    else if (a === "--fast-baud") fast = Number(argv[++i]);
    else if (a === "--wait") waitS = Number(argv[++i]);
    else if (a === "--force") force = true;
    else if (a === "--no-console") stay = false;
    else if (a === "--bytes") byName = false;
    else if (a.startsWith("--")) { console.error(`push: unknown option ${a}`); return 2; }
    else file = a;
  }
  if ((!device && !socket) || !file) {
    console.error("usage: push (--device /dev/ttyUSB0 [--baud 115200] [--fast-baud 921600] | --socket build/uart.sock) [--wait s] [--force] [--no-console] [--bytes] build/kernel.wasm");
    return 2;
  }
  if (!Number.isInteger(baud) || baud <= 0) { console.error(`push: BAUD=${baud}: give a rate such as 115200`); return 2; }
  if (!Number.isInteger(fast) || fast < 0) { console.error(`push: PUSH_BAUD=${fast}: give a rate such as 921600, or 0 to stay at BAUD`); return 2; }
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
  const console_ = serial && stay && process.stdin.isTTY;
  const r = await push(port, module, {
    hold: !!console_,
    // Through make qemu's console the stub may read the file itself; a board's console never offers it.
    file: socket && byName ? resolve(file) : undefined,
    knockMs: waitS * 1000, force, lineBaud: baud, fastBaud: fast,
    note: (l) => process.stderr.write(`\rpush: ${l}\n`),
    knocking: (ms) => process.stderr.write(`push: no answer from a running kernel; knocking for ${(ms / 1000).toFixed(0)} s: reset the board now to push into its boot window\n`),
    progress: (s, t, ms) => process.stderr.write(`\rpush: ${progressLine(s, t, ms)}   `),
    other: (l) => process.stdout.write(l + "\n"),
  });
  const rate = r.transferMs ? `; the module at ${((r.bytes / 1024) / (r.transferMs / 1000)).toFixed(1)} KiB/s${r.baud ? `, ${r.baud} baud` : ""}` : "";
  process.stderr.write(`\npush: ${r.message} (${r.wire} bytes on the wire in ${(r.ms / 1000).toFixed(2)} s${rate})\n`);
  // Through a console's socket the console shows the new kernel; on a device, stay on as the console.
  if (r.ok && console_) {
    const { runConsole } = await import("../run/console.js");
    return runConsole({ device, baud, port: serial });
  }
  await close();
  return r.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href)
  main(process.argv.slice(2)).then((c) => process.exit(c), (e) => { console.error(`push: ${e.message}`); process.exit(1); });
