// The simulator's page (make sim) in a real browser: Debian's chromium,
// headless, driven through the DevTools protocol (tools/testing/browser.ts).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "../../tools/sim/serve.js";
import { BrowserPage } from "../../tools/testing/browser.js";
import { decodePng, pixelAt } from "../../tools/run/png.js";

const TERMINAL = `document.getElementById("terminal").innerText`;

describe("simulator page (make sim) in chromium", () => {
  it("boots the tour; a held pin 17 and a typed line reach the kernel; the screenshot shows the pins; a new kernel.wasm is a push; a panic shows red with its file and line", { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "tspi-sim-page-"));
    const kernel = join(dir, "kernel.wasm");
    copyFileSync("build/kernel.wasm", kernel);
    const server = await serve({ kernel, board: "pi3", port: 0, project: "." });
    let page: BrowserPage | undefined;
    try {
      page = await BrowserPage.launch();
      await page.open(server.url);
      assert.equal(await page.until<boolean>("crossOriginIsolated", "cross-origin isolation (the server's headers)"), true);
      await page.until(`${TERMINAL}.includes("cores online: 4") && ${TERMINAL}.includes("blink:")`, "the tour's banner");
      await page.hold("#gpio-17", 200);
      await page.until(`/button: pressed 1 \\(core \\d\\)/.test(${TERMINAL})`, "the kernel's answer to the pin held low");
      await page.eval(`document.getElementById("terminal").focus()`);
      await page.type("hi pi\r");
      await page.until(`/you typed: hi pi \\(core \\d\\)/.test(${TERMINAL})`, "the echo of the typed line");

      // The screenshot: GPIO 17 drawn high (the kernel's pull-up), GPIO 27 low (pulled down at reset).
      const at = (sel: string) => page!.eval<{ x: number; y: number }>(`(() => { const r = document.querySelector("${sel}").getBoundingClientRect(); return { x: Math.round(r.x + 8), y: Math.round(r.y + r.height / 2) }; })()`);
      const png = decodePng(await page.screenshot());
      const high = await at("#gpio-17"), low = await at("#gpio-27");
      assert.equal(pixelAt(png, high.x, high.y).toString(16), "d9c24a", "a high pin is drawn yellow");
      assert.equal(pixelAt(png, low.x, low.y).toString(16), "333333", "a low pin is drawn dark");

      // A push: a new kernel.wasm where make writes it.
      copyFileSync("build/examples/button.wasm", kernel);
      await page.until(`${TERMINAL}.includes("push: a new kernel.wasm, booting") && ${TERMINAL}.includes("button: waiting for presses on GPIO 17")`, "the pushed kernel's banner");
      copyFileSync("build/tests/trap-abort.wasm", kernel);
      const red = await page.until<string>(`[...document.querySelectorAll("#terminal .panic")].map((e) => e.textContent).find((t) => t.includes("four is not five"))`, "the panic line, red");
      assert.equal(red, "panic: core 2: four is not five at tests/kernels/trap-abort.ts:8:3");
      assert.deepEqual(page.errors, []);
    } finally {
      await page?.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
