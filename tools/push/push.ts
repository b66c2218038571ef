// The sender of the push protocol (docs/push.md): sends a kernel.wasm to a
// board that speaks it, with progress, and says what the board answered.
// `make push` will run it once the board's side takes the module over from
// a running kernel (issue 16); today it talks to anything that speaks the
// protocol (tests/harness/push_board.c in the host tests).
//
//   node push.js --device /dev/ttyUSB0 [--baud 115200] build/kernel.wasm
//
// Exit status: 0 when the board accepted the module, 1 when it refused it or
// did not answer (the reason is printed), 2 for a bad command line.
import { readFileSync } from "node:fs";
import { CHUNK, VERSION, checkBeforePush, crc32, header, parseReply, pieces, request, Reply } from "./protocol.js";

/** What the sender needs of a serial port (npm serialport's SerialPort has it). */
export interface Port {
  write(data: Buffer): unknown;
  on(event: "data", f: (d: Buffer) => void): unknown;
  off(event: "data", f: (d: Buffer) => void): unknown;
}

export interface PushResult { ok: boolean; message: string; bytes: number; ms: number }

export interface PushOptions {
  /** How long to wait for each answer (the board's "ready", "got", "accepted"). */
  answerMs?: number;
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
  const next = async (): Promise<Reply | null> => {
    const deadline = Date.now() + answerMs;
    for (;;) {
      const line = lines.shift();
      if (line !== undefined) return parseReply(line);
      const left = deadline - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((resolve) => { wake = resolve; setTimeout(resolve, left); });
      wake = null;
    }
  };
  const result = (ok: boolean, message: string, bytes = 0): PushResult => ({ ok, message, bytes, ms: Date.now() - started });
  port.on("data", onData);
  try {
    port.write(request());
    const ready = await next();
    if (!ready) return result(false, `no answer to the push request within ${answerMs} ms: is a kernel running on the board, and is this its UART? (an image built with BACKEND=aot takes no push; docs/hardware.md, "When a push gets no answer")`);
    if (ready.kind === "refused") return result(false, `the board refused: ${ready.why}`);
    if (ready.kind !== "ready") return result(false, `the board answered "${ready.kind}" to the request; expected "ready"`);
    if (ready.version !== VERSION) return result(false, `the board speaks push protocol v${ready.version}, this tool v${VERSION}: rebuild both`);
    const bad = checkBeforePush(module, ready.max);
    if (bad) {
      port.write(header(0, 0));   // the board refuses a 0-byte module and goes back to its kernel
      await next();
      return result(false, `not sent: ${bad}`);
    }
    port.write(header(module.length, crc32(module)));
    let sent = 0;
    for (const piece of pieces(module, CHUNK)) {
      port.write(piece);
      sent += piece.length;
      const a = await next();
      if (!a) return result(false, `the board went silent after ${sent} of ${module.length} bytes`, sent);
      if (a.kind === "refused") return result(false, `the board refused: ${a.why}`, sent);
      if (a.kind !== "got" || a.bytes !== sent) return result(false, `the board acknowledged ${a.kind === "got" ? a.bytes : a.kind} where ${sent} bytes were sent`, sent);
      opts.progress?.(sent, module.length, Date.now() - started);
    }
    const end = await next();
    if (!end) return result(false, `no verdict from the board within ${answerMs} ms after the whole module`, sent);
    if (end.kind === "refused") return result(false, `the board refused: ${end.why}`, sent);
    if (end.kind !== "accepted") return result(false, `the board answered "${end.kind}" at the end`, sent);
    return result(true, `accepted: ${end.bytes} bytes`, sent);
  } finally {
    port.off("data", onData);
  }
}

/** "12.0 KiB of 34.3 KiB, 10.9 KiB/s, 2.1 s left" */
export function progressLine(sent: number, total: number, ms: number): string {
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const rate = ms > 0 ? (sent * 1000) / ms : 0;
  const left = rate > 0 ? (total - sent) / rate : 0;
  return `${kib(sent)} of ${kib(total)}, ${kib(rate)}/s, ${left.toFixed(1)} s left`;
}

async function main(argv: string[]): Promise<number> {
  let device = "", baud = 115200, file = "";
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--device") device = argv[++i] ?? "";
    else if (argv[i] === "--baud") baud = Number(argv[++i]);
    else file = argv[i];
  }
  if (!device || !file) { console.error("usage: push --device /dev/ttyUSB0 [--baud 115200] build/kernel.wasm"); return 2; }
  let module: Buffer;
  try { module = readFileSync(file); } catch (e) { console.error(`push: cannot read ${file}: ${(e as Error).message}`); return 1; }
  const { SerialPort } = await import("serialport");
  const port = new SerialPort({ path: device, baudRate: baud, autoOpen: false });
  try { await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res()))); } catch (e) {
    console.error(`push: cannot open ${device}: ${(e as Error).message}`); return 1;
  }
  const r = await push(port, module, {
    progress: (s, t, ms) => process.stderr.write(`\rpush: ${progressLine(s, t, ms)}   `),
    other: (l) => process.stdout.write(l + "\n"),
  });
  process.stderr.write(`\npush: ${r.message} (${r.bytes} bytes in ${(r.ms / 1000).toFixed(2)} s)\n`);
  await new Promise((res) => port.close(res));
  return r.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href)
  main(process.argv.slice(2)).then((c) => process.exit(c), (e) => { console.error(`push: ${e.message}`); process.exit(1); });
