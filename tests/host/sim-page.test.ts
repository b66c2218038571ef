// The simulator's page (make sim) in a real browser: Debian's chromium,
// headless, driven through the DevTools protocol (tools/testing/browser.ts).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "../../tools/sim/serve.js";
import { BrowserPage } from "../../tools/testing/browser.js";
import { decodePng, pixelAt, comparePictures } from "../../tools/run/png.js";
import { readFileSync } from "node:fs";
import { prepareModule } from "../../tools/sim/module.js";
import { functionInstructions, SourceMapIndex, type SourceMapV3 } from "../../tools/kernel/source-map.js";

const TERMINAL = `document.getElementById("terminal").innerText`;

describe("simulator page (make sim) in chromium", () => {
  it("boots the tour; a held pin 17 and a typed line reach the kernel; the screenshot shows the pins; a new kernel.wasm is a push, a broken one is refused and the old kernel goes on; a panic shows red with its file and line; the SPI flash answers; the screen example's display is drawn", { timeout: 120_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "tspi-sim-page-"));
    const kernel = join(dir, "kernel.wasm");
    copyFileSync("build/kernel.wasm", kernel);
    copyFileSync("build/kernel.wasm.map", kernel + ".map");
    const server = await serve({ kernel, board: "pi3", port: 0, project: "." });
    let page: BrowserPage | undefined;
    try {
      page = await BrowserPage.launch(1200, 900, true);
      await page.debugWorkers();                                  // as developer tools attach to the page's workers (the cores)
      await page.open(server.url);
      assert.equal(await page.until<boolean>("crossOriginIsolated", "cross-origin isolation (the server's headers)"), true);
      await page.until(`${TERMINAL}.includes("cores online: 4") && ${TERMINAL}.includes("blink:")`, "the tour's banner");
      await page.hold("#gpio-17", 200);
      await page.until(`/button: pressed 1 \\(core \\d\\)/.test(${TERMINAL})`, "the kernel's answer to the pin held low");
      await page.eval(`document.getElementById("terminal").focus()`);
      await page.type("hi pi\r");
      await page.until(`/you typed: hi pi \\(core \\d\\)/.test(${TERMINAL})`, "the echo of the typed line");
      await page.until(`[...document.querySelectorAll(".core")].some((e) => /last in async function \\w+ \\(examples\\/tour\\/main\\.ts:\\d+\\)/.test(e.textContent))`, "the async function a core last ran, by name");
      // The heap and the collector, from the kernel's figures: the tour's `heap` makes a collection, which they then count.
      await page.until(`/^heap: [\\d.]+ (bytes|KiB) in use in \\d+ blocks/.test(document.getElementById("figures").textContent)`, "the heap's figures");
      await page.type("heap\r");
      await page.until(`/Collector: [1-9]\\d* collections?,/.test(document.getElementById("figures").textContent)`, "the collection counted");

      // Source-level debugging: the module the page runs names the map developer tools load, and
      // that map says of each instruction what make's map says of it in build/kernel.wasm; the sources it names are served.
      const origin = new URL(server.url).origin;
      const script = await page.until<{ sourceMapURL: string }>("true", "a parsed wasm module").then(() =>
        page!.scripts.find((x) => x.sourceMapURL.startsWith(`${origin}/kernel.wasm.map?shift=`)));
      assert.ok(script, `no script names the kernel's map: ${JSON.stringify(page.scripts.filter((x) => x.url.startsWith("wasm")))}`);
      const served = new SourceMapIndex(await (await fetch(script.sourceMapURL)).json() as SourceMapV3);
      const built = new SourceMapIndex(JSON.parse(readFileSync("build/kernel.wasm.map", "utf8")) as SourceMapV3);
      const inPage = functionInstructions(prepareModule(readFileSync("build/kernel.wasm"), `${origin}/kernel.wasm.map`).first);
      const inFile = functionInstructions(readFileSync("build/kernel.wasm"));
      let tour = 0;
      inFile.forEach((fn, k) => fn.forEach((ins, n) => {
        const want = built.at(ins.at), got = served.at(inPage[k][n].at);
        assert.deepEqual(got, want);
        if (want?.source === "examples/tour/main.ts") tour++;
      }));
      assert.ok(tour > 50, `the tour's own instructions are mapped (${tour})`);
      // A breakpoint on a line of the tour's TypeScript, where developer tools put it: at the instruction the map gives
      // for that line in the module the cores run. A typed line stops the core that polls echo() there; it goes on after.
      const tourLines = readFileSync("examples/tour/main.ts", "utf8").split("\n");
      const line = tourLines.findIndex((l) => l.includes('println("you typed: "')) + 1;
      const atLine = inPage.flat().map((ins) => ins.at).filter((at) => { const m = served.at(at); return m?.source === "examples/tour/main.ts" && m.line === line; });
      assert.ok(atLine.length > 0, `the map gives instructions for examples/tour/main.ts:${line}`);
      await page.refreshWorkerScripts();
      assert.ok(new Set(page.workerScripts.filter((x) => x.sourceMapURL === script.sourceMapURL).map((x) => x.session)).size === 4, "each core's worker runs the module that names the map");
      const points = await page.breakAt(atLine[0], script.sourceMapURL);
      assert.equal(points.length, 4, "a breakpoint in each core");
      await page.type("stop here\r");
      const stop = await (async () => { for (const end = Date.now() + 20_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (page!.paused.length) return page!.paused[0]; return null; })();
      assert.ok(stop, "no core paused at the breakpoint");
      assert.equal(stop.offset, atLine[0], "paused at the breakpoint's instruction");
      assert.deepEqual([served.at(stop.offset)?.source, served.at(stop.offset)?.line], ["examples/tour/main.ts", line]);
      assert.match(stop.functionName, /echo/, `paused in ${stop.functionName}`);
      assert.doesNotMatch(await page.eval<string>(TERMINAL), /you typed: stop here/, "the core waits at the breakpoint");
      await page.clearBreakpoints(points);
      await page.until(`/you typed: stop here \\(core \\d\\)/.test(${TERMINAL})`, "the echo once the core goes on");
      const source = await fetch(`${origin}/examples/tour/main.ts`);
      assert.match(await source.text(), /async function button/);
      assert.equal(source.headers.get("cross-origin-resource-policy"), "same-origin");

      // The screenshot: GPIO 17 drawn high (the kernel's pull-up), GPIO 27 low (pulled down at reset).
      const at = (sel: string) => page!.eval<{ x: number; y: number }>(`(() => { const r = document.querySelector("${sel}").getBoundingClientRect(); return { x: Math.round(r.x + 8), y: Math.round(r.y + r.height / 2) }; })()`);
      const png = decodePng(await page.screenshot());
      const high = await at("#gpio-17"), low = await at("#gpio-27");
      assert.equal(pixelAt(png, high.x, high.y).toString(16), "d9c24a", "a high pin is drawn yellow");
      assert.equal(pixelAt(png, low.x, low.y).toString(16), "333333", "a low pin is drawn dark");

      // A push: a new kernel.wasm where make writes it.
      copyFileSync("build/examples/button.wasm", kernel);
      await page.until(`${TERMINAL}.includes("-- push: a new kernel.wasm --") && ${TERMINAL}.includes("push: accepted: ") && ${TERMINAL}.includes("button: waiting for presses on GPIO 17")`, "the pushed kernel's banner");
      // A push the board would refuse (a module cut short): said in red, and the kernel that ran goes on, as on a board.
      copyFileSync("build/tests/truncated.wasm", kernel);
      const refused = await page.until<string>(`[...document.querySelectorAll("#terminal .panic")].map((e) => e.textContent).find((t) => t.startsWith("push refused"))`, "the refused push, red");
      assert.match(refused, /^push refused: .*\(the kernel that ran goes on\)$/);
      await page.hold("#gpio-17", 200);
      await page.until(`/button: press 1, LED o(n|ff)/.test(${TERMINAL})`, "the button kernel's answer after the refused push");
      copyFileSync("build/tests/trap-abort.wasm", kernel);
      const red = await page.until<string>(`[...document.querySelectorAll("#terminal .panic")].map((e) => e.textContent).find((t) => t.includes("four is not five"))`, "the panic line, red");
      assert.equal(red, "panic: core 2: four is not five at tests/kernels/trap-abort.ts:8:3");
      // The page's parts on BSC1 (a TMP105, an EEPROM, a clock): QEMU's I2C test kernel finds them, and the slider (Home: its minimum) sets the temperature it reads.
      copyFileSync("build/tests/i2c.wasm", kernel);
      await page.until(`${TERMINAL}.includes("i2c: ready")`, "the I2C test kernel, with the page's TMP105");
      await page.eval(`document.getElementById("tmp105").focus()`);
      await page.key("Home", 36);
      await page.until(`${TERMINAL}.includes("i2c: temperature now -40.000 C")`, "the temperature the slider set").catch(async (e: Error) => {
        throw new Error(`${e.message}; the terminal's last lines:\n${(await page!.eval<string>(TERMINAL)).split("\n").slice(-15).join("\n")}`);
      });
      // (The kernel, written for QEMU's bus with the sensor alone, then fails its own check of an empty 0x50: the page's EEPROM is there.)
      assert.match(await page.eval<string>(TERMINAL), /^i2c: scan of BSC1: 0x48 0x50 0x68$/m);
      assert.equal(await page.eval<string>(`document.getElementById("tmp105-value").textContent`), "-40.0 C");
      // The page's flash on SPI0's CE0: QEMU's SPI test kernel, pushed, programs, reads and erases it.
      copyFileSync("build/tests/spi.wasm", kernel);
      await page.until(`${TERMINAL}.includes("spi: link the chip select")`, "the SPI test kernel");
      await page.eval(`document.getElementById("terminal").focus()`);
      await page.type("go\r");
      await page.until(`${TERMINAL}.includes("spi test: ok")`, "the SPI test kernel's end, with the page's W25Q80");
      // PWM: the servo example, pushed: GPIO 18's pin shows the servo's pulse, GPIO 13's the LED's balanced duty.
      copyFileSync("build/examples/servo.wasm", kernel);
      await page.until(`/^PWM 50 Hz, mark-space, duty [\\d.]+ %, pulse \\d+ us$/.test(document.getElementById("gpio-18").title) && /^PWM 1000 Hz, balanced/.test(document.getElementById("gpio-13").title)`, "the servo's and the LED's PWM on their pins");
      // The display: the screen example, pushed, is drawn on the page's canvas as QEMU's display shows it (docs/images/screen-demo.png).
      assert.equal(await page.eval<boolean>(`document.getElementById("screen").hidden`), true, "no canvas before a kernel allocates a framebuffer");
      copyFileSync("build/examples/screen.wasm", kernel);
      await page.until(`${TERMINAL}.includes("screen demo: drawn;") && !document.getElementById("screen").hidden`, "the screen example's display");
      const box = await page.eval<{ x: number; y: number; w: number; h: number }>(`(() => { const r = document.getElementById("screen").getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; })()`);
      assert.deepEqual([box.w, box.h], [640, 480], "the canvas is shown at the display's size");
      // The banner's last line is mirrored onto the screen after it goes out on the UART, and the canvas is drawn at the next
      // animation frame: the screenshot is taken until it settles on the picture (a loaded host may take a few frames).
      const want = decodePng(readFileSync("docs/images/screen-demo.png"));
      let diff: ReturnType<typeof comparePictures> = null;
      for (let tries = 0; tries < 20; tries++) {
        await new Promise((r) => setTimeout(r, 250));
        const shot = decodePng(await page.screenshot());
        const rgb = new Uint8Array(640 * 480 * 3);
        for (let y = 0; y < 480; y++) for (let x = 0; x < 640; x++) {
          const v = pixelAt(shot, Math.round(box.x) + x, Math.round(box.y) + y);
          rgb.set([v >> 16, (v >> 8) & 0xff, v & 0xff], (y * 640 + x) * 3);
        }
        diff = comparePictures({ width: 640, height: 480, rgb }, want);
        if (!diff) break;
      }
      assert.equal(diff, null, `the page's display differs from docs/images/screen-demo.png in ${diff?.pixels} pixels, first ${diff?.first}`);
      assert.deepEqual(page.errors, []);
    } finally {
      await page?.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
