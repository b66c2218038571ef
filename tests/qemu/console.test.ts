// make console against the kernel in QEMU (UART on a pty, npm serialport):
// what the board prints arrives, and a line typed with Enter (CR) is echoed;
// and make qemu + make push: the console shares the UART on a socket, the
// push goes through it, the new kernel's banner appears in the console.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SerialPort } from "serialport";
import { Display, startQemuOnPty } from "../../tools/run/console.js";
import { BACKEND, image, ON, TIMEOUT_MS } from "./lib.js";

describe(`make console${ON}`, () => {
  it("shows the tour's output over a pty and sends what is typed, Enter as CR", { timeout: TIMEOUT_MS * 2 }, async () => {
    const { pty, qemu } = await startQemuOnPty(image("examples/tour"), "pi3");
    const port = new SerialPort({ path: pty, baudRate: 115200 });
    const display = new Display();
    let shown = "";
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no echo within ${TIMEOUT_MS} ms; shown:\n${shown}`)), TIMEOUT_MS);
        let typed = false;
        port.on("data", (d: Buffer) => {
          shown += display.feed(d);
          if (!typed && shown.includes("echo: type a line and press Enter")) { typed = true; port.write("hello, console\r"); }
          if (/you typed: hello, console \(core \d\)\r\n/.test(shown)) { clearTimeout(timer); resolve(); }
        });
        port.on("error", (e) => { clearTimeout(timer); reject(e); });
      });
    } finally {
      if (port.isOpen) await new Promise((r) => port.close(r));
      qemu.kill();
    }
    assert.match(shown, /^cores online: 4\r$/m, "lines end in CR LF on the terminal");
  });
  it("make qemu, then make push in another terminal: the push goes through the console's socket, the banner shows in the console", { timeout: TIMEOUT_MS * 3, skip: BACKEND === "aot" ? "an aot image takes no push (tests/qemu/push.test.ts)" : false }, async () => {
    const sock = join(mkdtempSync(join(tmpdir(), "uart-")), "uart.sock");
    const con = spawn(process.execPath, ["build/tools/tools/run/console.js", "--qemu", image("examples/tour"), "--board", "pi3", "--share", sock], { stdio: ["pipe", "pipe", "pipe"] });
    let shown = "";
    con.stdout.on("data", (d: Buffer) => { shown += d.toString("latin1"); });
    con.stderr.on("data", (d: Buffer) => { shown += d.toString("latin1"); });
    const until = async (re: RegExp, from = 0, ms = TIMEOUT_MS) => {
      for (const end = Date.now() + ms; !re.test(shown.slice(from));) {
        if (Date.now() > end) throw new Error(`no ${re} within ${ms} ms; the console showed:\n${shown.slice(from)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      await until(/echo: type a line and press Enter/);
      assert.match(shown, new RegExp(`make push sends a new kernel\\.wasm through ${sock.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
      // Through make qemu's console the stub reads the module's file itself (QEMU's semihosting)...
      const p = spawnSync(process.execPath, ["build/tools/tools/push/push.js", "--socket", sock, "--no-console", "build/examples/blink.wasm"], { encoding: "utf8", timeout: TIMEOUT_MS });
      assert.equal(p.status, 0, `push: ${p.stdout}${p.stderr}`);
      assert.match(p.stderr, /push: accepted: \d+ bytes, which the stub read from \S+\/build\/examples\/blink\.wasm itself \(QEMU's semihosting\) \(\d+ bytes on the wire in \d+\.\d\d s\)/);
      await until(/blink: type `rate <ms>` and Enter to change the period\r\n/);
      // ...and with --bytes the module crosses the UART, as it does to a board.
      const from = shown.length;
      const q = spawnSync(process.execPath, ["build/tools/tools/push/push.js", "--socket", sock, "--no-console", "--bytes", "build/examples/tour.wasm"], { encoding: "utf8", timeout: TIMEOUT_MS });
      assert.equal(q.status, 0, `push --bytes: ${q.stdout}${q.stderr}`);
      assert.match(q.stderr, /push: accepted: \d+ bytes \(\d+ bytes on the wire in \d+\.\d\d s; the module at \d+\.\d KiB\/s\)/);
      await until(/echo: type a line and press Enter/, from);
    } finally {
      con.kill("SIGTERM");
      await new Promise((r) => con.once("exit", r));
    }
    assert.equal(existsSync(sock), false, "the console removed its socket when it was stopped");
    const gone = spawnSync(process.execPath, ["build/tools/tools/push/push.js", "--socket", sock, "build/examples/blink.wasm"], { encoding: "utf8" });
    assert.equal(gone.status, 1);
    assert.match(gone.stderr, /neither make console nor make qemu is running to push through/);
  });
  it("make push DEVICE=... stays on as the console after the push (in a terminal): the new kernel answers what is typed, Ctrl-] quits", { timeout: TIMEOUT_MS * 3, skip: BACKEND === "aot" ? "an aot image takes no push (tests/qemu/push.test.ts)" : false }, async () => {
    const { pty, qemu } = await startQemuOnPty(image("examples/blink"), "pi3");
    // script(1) gives the sender a terminal, as a person's shell would.
    const cmd = `${process.execPath} build/tools/tools/push/push.js --device ${pty} --fast-baud 0 --wait 20 build/examples/tour.wasm`;   // it knocks while blink still boots
    const p = spawn("script", ["-qfec", cmd, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
    let shown = "";
    p.stdout.on("data", (d: Buffer) => { shown += d.toString("latin1"); });
    p.stderr.on("data", (d: Buffer) => { shown += d.toString("latin1"); });
    const code = new Promise<number | null>((r) => p.on("exit", (c) => r(c)));
    const until = async (re: RegExp, ms = TIMEOUT_MS) => {
      for (const end = Date.now() + ms; !re.test(shown);) {
        if (Date.now() > end) throw new Error(`no ${re} within ${ms} ms; make push showed:\n${shown}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    try {
      await until(/push: accepted: \d+ bytes/);
      await until(/console: .* at 115200 baud; Ctrl-\] quits/);
      await until(/echo: type a line and press Enter/);
      p.stdin.write("still here\r");
      await until(/you typed: still here \(core \d\)/);
      p.stdin.write("\x1d");
      assert.equal(await code, 0, shown);
    } finally {
      p.kill();
      qemu.kill();
    }
  });
});
