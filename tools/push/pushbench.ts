// The push's figures for `make bench` (issue 16): boots an image in QEMU
// with its UART on a pty, pushes a module into the running kernel a few
// times at each rate the sender can ask for, and measures, in wall-clock
// time on this machine (QEMU without -icount: the push is a conversation
// with the host, which -icount does not model):
//   - from the call of push() to the new kernel's `cores online: 4`;
//   - the bytes on the wire (request, header, module);
//   - the module's effective rate while it travels.
// QEMU's pty has no rate of its own, and QEMU's PL011 takes bytes as fast
// as QEMU's main loop hands them over, so the rates show the protocol's
// cost here, not a board's: on a board 115200 baud carries at most 11.25
// KiB/s (10 bits a byte), 921600 baud 90 KiB/s.
import { readFileSync } from "node:fs";
import { SerialPort } from "serialport";
import { startQemuOnPty } from "../run/console.js";
import { push } from "./push.js";

export interface PushFigure { baud: number; ms: number; wire: number; kibPerS: number }

/** Median push figures at 115200 (no switch) and at each faster rate; throws with the board's output on failure. */
export async function pushFigures(board: string, image: string, modulePath: string, reps = 3): Promise<PushFigure[]> {
  const module = readFileSync(modulePath);
  const { pty, qemu } = await startQemuOnPty(image, board);
  const port = new SerialPort({ path: pty, baudRate: 115200, autoOpen: false });
  let text = "";
  const until = async (re: RegExp, from: number, ms = 60_000) => {
    for (const end = Date.now() + ms; !re.test(text.slice(from));) {
      if (Date.now() > end) throw new Error(`push bench: no ${re} within ${ms} ms:\n${text.slice(from)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  try {
    await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
    port.on("data", (d: Buffer) => { text += d.toString("latin1"); });
    await until(/^cores online: 4\r?$/m, 0);
    const out: PushFigure[] = [];
    for (const fast of [0, 921600]) {
      const runs: PushFigure[] = [];
      for (let k = 0; k < reps; k++) {
        await new Promise((r) => setTimeout(r, 300));   // the kernel is up and quiet
        const from = text.length, t0 = Date.now();
        const r = await push(port, module, fast ? { lineBaud: 115200, fastBaud: fast } : {});
        if (!r.ok) throw new Error(`push bench: ${r.message}\n${text.slice(from)}`);
        const accepted = text.indexOf("push: accepted", from);
        await until(/^cores online: 4\r?$/m, accepted);
        runs.push({ baud: r.baud ?? 115200, ms: Date.now() - t0, wire: r.wire, kibPerS: r.bytes / 1024 / ((r.transferMs ?? 1) / 1000) });
      }
      runs.sort((a, b) => a.ms - b.ms);
      out.push(runs[Math.floor(runs.length / 2)]);
    }
    return out;
  } finally {
    if (port.isOpen) await new Promise((r) => port.close(r));
    qemu.kill();
  }
}
