// A push into the running kernel in QEMU (docs/push.md): the UART on a pty,
// the host's sender (tools/push/push.ts), the stub's receiver. The tour runs;
// a pushed blink replaces it on all four cores; every bad module is refused
// and the kernel that ran starts again; a module named by its file is read
// through QEMU's semihosting; a kernel that stops on every core
// still takes the next push; twenty pushes (on one board) leave the stub's heap as the
// first did; the boot window takes a push before the SD card's kernel
// starts; an aot image takes no push.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { SerialPort } from "serialport";
import { startQemuOnPty } from "../../tools/run/console.js";
import { push, Port } from "../../tools/push/push.js";
import { BOARDS } from "../../tools/boards/index.js";
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

async function boot(board: string, img = image("examples/tour"), ready: RegExp | null = /^echo: type a line and press Enter\r?$/m, extra: string[] = []) {
  const { pty, qemu } = await startQemuOnPty(img, board, extra);
  const port = new SerialPort({ path: pty, baudRate: 115200, autoOpen: false });
  await new Promise<void>((res, rej) => port.open((e) => (e ? rej(e) : res())));
  const out = watch(port);
  if (ready) await out.until(ready);
  const stop = async () => { if (port.isOpen) await new Promise((r) => port.close(r)); qemu.kill(); };
  return { port, out, stop };
}

/** The port, with what is written changed on its way (a line that flips a bit, a host that stops). */
function through(port: SerialPort, change: (d: Buffer, at: number) => Buffer): Port {
  let at = 0;
  return {
    write: (d: Buffer) => { const c = change(d, at); at += d.length; return port.write(c); },
    on: (e, f) => port.on(e, f), off: (e, f) => port.off(e, f),
  };
}

const HEAP = /^push: the stub's heap holds (\d+) bytes\r?$/m;

for (const b of BOARDS) {
  describe(`${b.name} (-M ${b.machine})${ON}: push`, { concurrency: 1 }, () => {
    if (BACKEND === "aot") {
      it("an aot image takes no push: the sender says so after its time-out, and the kernel runs on", { timeout: TIMEOUT_MS * 2 }, async () => {
        const { port, out, stop } = await boot(b.name);
        try {
          const r = await push(port, readFileSync("build/examples/blink.wasm"), { answerMs: 1500 });
          assert.equal(r.ok, false);
          assert.match(r.message, /^no answer to the push request within 1500 ms: .*An image built with BACKEND=aot takes no push/);
          // The request's letters reached the kernel's line editor: Ctrl-U clears the line first.
          port.write("\x15still here\r");
          await out.until(/^you typed: still here \(core \d\)\r?$/m);
        } finally { await stop(); }
      });
      it("where no aot kernel runs (the boot window, every core stopped), the image refuses a push and says why", { timeout: TIMEOUT_MS * 3 }, async () => {
        const dtb = b.name === "pi3" ? "build/dts/bcm2710-rpi-3-b.dtb" : "build/dts/bcm2711-rpi-4-b.dtb";
        const AOT = /^the board refused: this image runs its kernel compiled ahead of time \(make BACKEND=aot\), and native code does not travel/;
        {
          const { port, out, stop } = await boot(b.name, image("examples/tour"), null, ["-dtb", dtb, "-append", "push.wait=4000"]);
          try {
            const r = await push(port, readFileSync("build/tests/push-small.wasm"), { answerMs: 1000, knockMs: TIMEOUT_MS });
            assert.equal(r.ok, false);
            assert.match(r.message, AOT, `${r.message}\n${out.text}`);
            await out.until(/^echo: type a line and press Enter\r?$/m);   // and after the window, its own kernel
          } finally { await stop(); }
        }
        {
          const { port, out, stop } = await boot(b.name, image("tests/push-trap"), /^push: no core runs the kernel; this aot image takes no push/m);
          try {
            const r = await push(port, readFileSync("build/tests/push-small.wasm"));
            assert.equal(r.ok, false);
            assert.match(r.message, AOT, `${r.message}\n${out.text}`);
          } finally { await stop(); }
        }
      });
      return;
    }
    it("a pushed kernel replaces the running one on all four cores; a refused one leaves a kernel running", { timeout: TIMEOUT_MS * 4 }, async () => {
      const { port, out, stop } = await boot(b.name);
      try {
        // 1. blink replaces the tour, the module at 921600 baud (the stub's PL011 switches and back; QEMU's pty has no rate of its own).
        let at = out.text.length;
        const r = await push(port, readFileSync("build/examples/blink.wasm"), { lineBaud: 115200, fastBaud: 921600 });
        assert.equal(r.ok, true, `${r.message}\n${out.text.slice(at)}`);
        assert.equal(r.baud, 921600);
        assert.match(out.text.slice(at), /^push: baud 921600\r?\npush: synced 921600\r?$/m);
        at = await out.until(/^cores online: 4\r?$/m, at);
        await out.until(/^blink: type `rate <ms>` and Enter to change the period\r?$/m, at);
        // 2. A module the ABI check refuses (an import the host lacks): refused, blink starts again.
        at = out.text.length;
        const bad = await push(port, readFileSync("build/tests/bad-import.wasm"));
        assert.equal(bad.ok, false);
        assert.match(bad.message, /the board refused: kernel\.wasm rejected: .*cpu\.teleport/);
        at = await out.until(/^cores online: 4\r?$/m, at);
        await out.until(/^blink: type `rate <ms>`/m, at);
        // 3. A bit flipped on the wire: the CRC-32 refuses it.
        at = out.text.length;
        const blink = readFileSync("build/examples/blink.wasm");
        const flip = await push(through(port, (d, off) => {
          const at = 21 + 5000 - off;   // the module's byte 5000, after the request and the header
          if (at < 0 || at >= d.length) return d;
          const c = Buffer.from(d);
          c[at] ^= 0x04;
          return c;
        }), blink);
        assert.equal(flip.ok, false);
        assert.match(flip.message, /the board refused: the module's CRC-32 is 0x[0-9a-f]{8}, the header said 0x[0-9a-f]{8} \(a byte changed on the wire\)/);
        at = await out.until(/^cores online: 4\r?$/m, at);
        await out.until(/^blink: type `rate <ms>`/m, at);
        // 4. Not wasm (sent anyway, --force): wasm3's parse refuses it.
        at = out.text.length;
        const text = await push(port, readFileSync("docs/push.md"), { force: true });
        assert.equal(text.ok, false);
        assert.match(text.message, /the board refused: kernel\.wasm rejected: /);
        at = await out.until(/^cores online: 4\r?$/m, at);
        await out.until(/^blink: type `rate <ms>`/m, at);
        // 5. Larger than the board reserves (sent anyway): refused at the header, before a byte of it.
        at = out.text.length;
        const huge = Buffer.alloc((1 << 20) + 1);
        huge.set(blink.subarray(0, 8));
        const big = await push(port, huge, { force: true });
        assert.equal(big.ok, false);
        assert.match(big.message, /the board refused: the module is 1048577 bytes, more than the 1048576 this board reserves/);
        assert.equal(big.bytes, 0, "no byte of the module was sent");
        at = await out.until(/^cores online: 4\r?$/m, at);
        await out.until(/^blink: type `rate <ms>`/m, at);
        // 6. A host that stops halfway: refused after the time-out, blink starts again.
        at = out.text.length;
        const module = readFileSync("build/examples/tour.wasm");
        const half = await push(through(port, (d, off) => d.subarray(0, Math.max(0, 4096 - off))), module, { answerMs: 4000 });
        assert.equal(half.ok, false);
        assert.match(half.message, /the board (refused: the host stopped after \d+ of \d+ bytes|went silent)/);
        await out.until(/^push: refused: the host stopped after 4075 of \d+ bytes/m, at);   // 4096 on the wire: the request and header were 21
        at = await out.until(/^cores online: 4\r?$/m, at);
        // blink's UART driver flushes the receive FIFO as it starts: push after that (a request sent earlier is lost; make push knocks for it)
        await out.until(/^blink: type `rate <ms>`/m, at);
        // 7. And the tour back, which answers: named by its file, which the stub reads through QEMU's
        // semihosting (make push through make qemu's console does this; a board never offers it).
        at = out.text.length;
        const byName = await push(port, module, { file: resolve("build/examples/tour.wasm") });
        assert.equal(byName.ok, true, byName.message);
        assert.match(byName.message, /^accepted: \d+ bytes, which the stub read from \S+\/build\/examples\/tour\.wasm itself \(QEMU's semihosting\)$/);
        assert.equal(byName.bytes, 0, "no byte of the module crossed the UART");
        assert.match(out.text.slice(at), /^push: ready \d+ v\d+ baud [\d,]+ file\r?\npush: read \d+ from the host's file\r?$/m);
        await out.until(/^echo: type a line and press Enter\r?$/m, at);
        port.write("after seven pushes\r");
        await out.until(/^you typed: after seven pushes \(core \d\)\r?$/m, at);
      } finally { await stop(); }
    });
    it("a kernel that traps on every core leaves the stub watching the UART: the next push is taken", { timeout: TIMEOUT_MS * 2 }, async () => {
      const { port, out, stop } = await boot(b.name);
      try {
        let at = out.text.length;
        assert.equal((await push(port, readFileSync("build/tests/push-trap.wasm"))).ok, true);
        await out.until(/^push-trap: every core traps now\r?$/m, at);
        for (let n = 0; n < 4; n++) at = await out.until(/^panic: core \d: \[trap\] unreachable executed/m, at);
        await out.until(/^push: no core runs the kernel; a push \(make push\) starts a new one\r?$/m, at);
        at = out.text.length;
        const r = await push(port, readFileSync("build/tests/push-small.wasm"));
        assert.equal(r.ok, true, r.message);
        await out.until(/^push-small: ready\r?$/m, at);
      } finally { await stop(); }
    });
    it("a kernel stuck in a poll on one core, then on all four, still takes the next push (issue 25)", { timeout: TIMEOUT_MS * 3 }, async () => {
      const { port, out, stop } = await boot(b.name);
      try {
        // One core loops (core 0 reads the UART): the watchdog's tick takes core 1 out of the kernel.
        let at = out.text.length;
        let r = await push(port, readFileSync("build/tests/push-stuck.wasm"));
        assert.equal(r.ok, true, r.message);
        at = await out.until(/^core 1: stuck: the task at \d+ has run one poll for \d+ ms without returning to its executor, in async function forever \(tests\/kernels\/push-stuck\.ts:\d+\) at line \d+;/m, at);
        r = await push(port, readFileSync("build/tests/push-small.wasm"));
        assert.equal(r.ok, true, r.message);
        await out.until(/^push-small: ready\r?$/m, at);
        // Every core loops: none reads the UART, so the stub watches it itself.
        at = out.text.length;
        r = await push(port, readFileSync("build/tests/push-stuck.wasm"));
        assert.equal(r.ok, true, r.message);
        at = await out.until(/^push-stuck: core 1 loops in a poll; core 0 reads the UART\r?$/m, at);
        port.write("all\r");
        at = await out.until(/^push-stuck: every core loops in a poll\r?$/m, at);
        for (let n = 0; n < 4; n++) at = await out.until(/^core \d: stuck: /m, at);
        r = await push(port, readFileSync("build/tests/push-small.wasm"));
        assert.equal(r.ok, true, r.message);
        await out.until(/^push-small: ready\r?$/m, at);
      } finally { await stop(); }
    });
    it("a pushed kernel inherits none of the old one's interrupts: one left taken and unhandled is not the new kernel's", { timeout: TIMEOUT_MS * 2 }, async () => {
      const { port, out, stop } = await boot(b.name);
      try {
        assert.equal((await push(port, readFileSync("build/tests/push-irq.wasm"))).ok, true);
        await out.until(/^push-irq: the system timer matched/m);
        const at = out.text.length;
        assert.equal((await push(port, readFileSync("build/tests/push-small.wasm"))).ok, true);
        const end = await out.until(/^push-small: ready\r?$/m, at);
        assert.doesNotMatch(out.text.slice(at, end), /took interrupts it never enabled/);
      } finally { await stop(); }
    });
    // On one board: what it checks (the stub's heap and the load's cost, push after push) is the stub's C and
    // wasm3, the same on both; the other tests here push on both boards.
    if (b === BOARDS[0]) it("twenty pushes in a row: each one boots, and the last leaves the stub's heap and takes the instructions the first did, about what the boot's load took", { timeout: TIMEOUT_MS * 4 }, async () => {
      // Under -icount the PMU counts exactly: a load that grew slower (a longer free list, a bigger table) shows.
      const { port, out, stop } = await boot(b.name, image("tests/push-small"), /^push-small: ready\r?$/m, ["-icount", "shift=0,sleep=off"]);
      try {
        const module = readFileSync("build/tests/push-small.wasm");
        const heaps: number[] = [], loads: number[] = [], boots: number[] = [];
        for (let n = 0; n < 20; n++) {
          const at = out.text.length;
          const r = await push(port, module);
          assert.equal(r.ok, true, `push ${n + 1}: ${r.message}`);
          const end = await out.until(/^push-small: ready\r?$/m, at);
          heaps.push(Number(HEAP.exec(out.text.slice(at, end))?.[1]));
          const load = /^push: the load took (\d+) instructions \(the first load, at boot: (\d+)\)\r?$/m.exec(out.text.slice(at, end));
          loads.push(Number(load?.[1]));
          boots.push(Number(load?.[2]));
        }
        assert.ok(heaps[0] > 0 && loads[0] > 0, `the stub reports its heap (${heaps[0]}) and the load's instructions (${loads[0]})`);
        assert.deepEqual(heaps, heaps.map(() => heaps[0]), `the heap after each push: ${heaps.join(", ")}`);
        // Within 0.1 %: a timer interrupt that lands on a waiting core during a load adds a few hundred.
        const off = loads.filter((l) => Math.abs(l - loads[0]) > loads[0] / 1000);
        assert.deepEqual(off, [], `the load's instructions at each push, against the first's ${loads[0]}: ${loads.join(", ")}`);
        assert.ok(loads[19] <= loads[0] * 1.001, `the last push's load (${loads[19]}) is not slower than the first's (${loads[0]})`);
        // A push's load is the boot's, give or take: picolibc's realloc, which cost more the more the heap had free,
        // made it twice the boot's (63.6 million instructions for the tour against 31.9; boot/cpu/libc_glue.c).
        assert.ok(boots[0] > 0 && loads[0] <= boots[0] * 1.25, `a push's load took ${loads[0]} instructions, the boot's ${boots[0]}`);
      } finally { await stop(); }
    });
    it("the boot window (push.wait= on the command line) takes a push before the image's kernel starts, and a rejected image waits for one", { timeout: TIMEOUT_MS * 3 }, async () => {
      const dtb = b.name === "pi3" ? "build/dts/bcm2710-rpi-3-b.dtb" : "build/dts/bcm2711-rpi-4-b.dtb";
      {
        // make push knocks until the board answers: here from the moment QEMU starts.
        const { port, out, stop } = await boot(b.name, image("examples/tour"), null, ["-dtb", dtb, "-append", "console=ttyAMA0 push.wait=20000"]);
        try {
          const r = await push(port, readFileSync("build/tests/push-small.wasm"), { answerMs: 1000, knockMs: TIMEOUT_MS });
          assert.equal(r.ok, true, `${r.message}\n${out.text}`);
          await out.until(/^push-small: ready\r?$/m);
          assert.doesNotMatch(out.text, /hello from TypeScript/, "the image's own kernel never started");
        } finally { await stop(); }
      }
      {
        // Without a window a rejected image stops QEMU (tests/qemu/boot.test.ts); with one it waits.
        const { port, out, stop } = await boot(b.name, image("tests/bad-import"), null, ["-dtb", dtb, "-append", "push.wait=1"]);
        try {
          const r = await push(port, readFileSync("build/tests/push-small.wasm"), { answerMs: 1000, knockMs: TIMEOUT_MS });
          assert.equal(r.ok, true, `${r.message}\n${out.text}`);
          await out.until(/^push-small: ready\r?$/m);
        } finally { await stop(); }
      }
    });
  });
}
