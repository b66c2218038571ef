// A push into the running kernel in QEMU (docs/push.md): the UART on a pty,
// the host's sender (tools/push/push.ts), the stub's receiver. The tour runs;
// a pushed blink replaces it on all four cores; a bad module is refused and
// the kernel that ran starts again; an aot image takes no push.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { SerialPort } from "serialport";
import { startQemuOnPty } from "../../tools/console.js";
import { push, Port } from "../../tools/push/push.js";
import { BOARDS } from "../../tools/boards.js";
import { BACKEND, image, ON, TIMEOUT_MS } from "./lib.js";

/** The board's output so far, and a wait for a pattern in what comes after `from`. */
function watch(port: SerialPort) {
  let text = "";
  port.on("data", (d: Buffer) => { text += d.toString("latin1"); });
  return {
    get text() { return text; },
    async until(re: RegExp, from = 0, ms = TIMEOUT_MS): Promise<number> {
      const end = Date.now() + ms;
      for (;;) {
        const m = re.exec(text.slice(from));
        if (m) return from + m.index + m[0].length;
        if (Date.now() > end) throw new Error(`no ${re} within ${ms} ms; output:\n${text.slice(from)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

async function boot(board: string) {
  const { pty, qemu } = await startQemuOnPty(image("examples/tour"), board);
  const port = new SerialPort({ path: pty, baudRate: 115200, autoOpen: false });
  await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
  const out = watch(port);
  await out.until(/^echo: type a line and press Enter\r?$/m);
  const stop = async () => { if (port.isOpen) await new Promise((r) => port.close(r)); qemu.kill(); };
  return { port, out, stop };
}

for (const b of BOARDS) {
  describe(`${b.name} (-M ${b.machine})${ON}: push`, { concurrency: 1 }, () => {
    if (BACKEND === "aot") {
      it("an aot image takes no push: the sender says so after its time-out, and the kernel runs on", { timeout: TIMEOUT_MS * 2 }, async () => {
        const { port, out, stop } = await boot(b.name);
        try {
          const r = await push(port, readFileSync("build/examples/blink.wasm"), { answerMs: 1500 });
          assert.equal(r.ok, false);
          assert.match(r.message, /^no answer to the push request within 1500 ms: .*an image built with BACKEND=aot takes no push/);
          // The request's letters reached the kernel's line editor: Ctrl-U clears the line first.
          port.write("\x15still here\r");
          await out.until(/^you typed: still here \(core \d\)\r?$/m);
        } finally { await stop(); }
      });
      return;
    }
    it("a pushed kernel replaces the running one on all four cores; a refused one leaves a kernel running", { timeout: TIMEOUT_MS * 4 }, async () => {
      const { port, out, stop } = await boot(b.name);
      try {
        // 1. blink replaces the tour.
        let at = out.text.length;
        const r = await push(port, readFileSync("build/examples/blink.wasm"));
        assert.equal(r.ok, true, `${r.message}\n${out.text.slice(at)}`);
        at = await out.until(/^cores online: 4\r?$/m, at);
        await out.until(/^blink: type `rate <ms>` and Enter to change the period\r?$/m, at);
        // 2. A module the ABI check refuses (an import the host lacks): refused, blink starts again.
        at = out.text.length;
        const bad = await push(port, readFileSync("build/tests/bad-import.wasm"));
        assert.equal(bad.ok, false);
        assert.match(bad.message, /the board refused: kernel\.wasm rejected: .*cpu\.teleport/);
        at = await out.until(/^cores online: 4\r?$/m, at);
        await out.until(/^blink: type `rate <ms>`/m, at);
        // 3. A host that stops halfway: refused after the time-out, blink starts again.
        at = out.text.length;
        const module = readFileSync("build/examples/tour.wasm");
        let sent = 0;
        const cut: Port = {
          write: (d: Buffer) => { const room = Math.max(0, 4096 - sent); sent += d.length; return port.write(d.subarray(0, room)); },
          on: (e, f) => port.on(e, f), off: (e, f) => port.off(e, f),
        };
        const half = await push(cut, module, { answerMs: 4000 });
        assert.equal(half.ok, false);
        assert.match(half.message, /the board (refused: the host stopped after \d+ of \d+ bytes|went silent)/);
        await out.until(/^push: refused: the host stopped after 4075 of \d+ bytes/m, at);   // 4096 on the wire: the request and header were 21
        at = await out.until(/^cores online: 4\r?$/m, at);
        // 4. And the tour back, which answers.
        at = out.text.length;
        assert.equal((await push(port, module)).ok, true);
        await out.until(/^echo: type a line and press Enter\r?$/m, at);
        port.write("after four pushes\r");
        await out.until(/^you typed: after four pushes \(core \d\)\r?$/m, at);
      } finally { await stop(); }
    });
  });
}
