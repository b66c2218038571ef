// make console against the kernel in QEMU (UART on a pty, npm serialport):
// what the board prints arrives, and a line typed with Enter (CR) is echoed.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SerialPort } from "serialport";
import { Display, startQemuOnPty } from "../../tools/console.js";
import { image, ON, TIMEOUT_MS } from "./lib.js";

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
});
