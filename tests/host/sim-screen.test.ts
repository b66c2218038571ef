// The simulator's display (tools/sim/devices/framebuffer.ts): the firmware's
// framebuffer tags and module fb, against the same kernels and the same
// picture as QEMU's display (tests/qemu/screen.test.ts): the screen
// example must show docs/images/screen-demo.png pixel for pixel.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { simulate, SimError, type Pi } from "../../tools/sim/index.js";
import { decodePng, comparePictures, pixelAt } from "../../tools/run/png.js";

const BOARDS = ["pi3", "pi4"] as const;
const TIMEOUT = { timeout: 60_000 };
const PICTURE = "docs/images/screen-demo.png";
// The example's console: 78 x 9 cells of 8x16 from (8, 328) (as tests/qemu/screen.test.ts).
const CONSOLE = { x0: 8, y0: 328, x1: 8 + 78 * 8, y1: 328 + 9 * 16 };

async function withPi<T>(wasm: string, board: "pi3" | "pi4", f: (pi: Pi) => Promise<T>, screen?: { width: number; height: number }): Promise<T> {
  const pi = await simulate(wasm, { board, screen });
  try { return await f(pi); } finally { await pi.stop(); }
}

for (const board of BOARDS) {
  describe(`simulator's display, ${board}`, { concurrency: 1 }, () => {
    it("tests/kernels/screen.ts: every check of QEMU's screen test holds, and the display shows what the kernel read back", TIMEOUT, () =>
      withPi("build/tests/screen.wasm", board, async (pi) => {
        assert.equal(pi.screen.allocated, false);
        const code = await pi.finished(45_000);
        assert.equal(code, 0, pi.console);
        assert.match(pi.console, /^screen: 640x480, pitch 2560, 1 page\(s\), window 1228800 bytes$/m);
        assert.doesNotMatch(pi.console, /: NO$/m);
        assert.match(pi.console, /^screen test: ok$/m);
        // The kernel's fb.fill of 0xabcdef at (40, 20), 16 x 4, as the display shows it.
        assert.equal(pi.screen.pixel(40, 20), 0xabcdef);
        assert.equal(pi.screen.pixel(55, 23), 0xabcdef);
      }));

    it("the screen example shows docs/images/screen-demo.png exactly (QEMU's picture); a typed line changes only the console", TIMEOUT, () =>
      withPi("build/examples/screen.wasm", board, async (pi) => {
        const before = pi.screen.frame;
        await pi.uart.expect(/^screen demo: drawn;/m);
        assert.match(pi.console, /^screen demo: 640x480, 2 pages, 2560 bytes a row$/m);
        assert.ok(pi.screen.frame !== before, "the display's frame count did not move");
        // The line just printed is mirrored onto the screen's console after it goes out on the UART: the picture settles once the cores sleep.
        await pi.idle();
        const one = pi.screen.picture();
        const diff = comparePictures(one, decodePng(readFileSync(PICTURE)));
        assert.equal(diff, null, `the simulator's display differs from ${PICTURE} in ${diff?.pixels} pixels, first ${diff?.first}`);
        pi.uart.type("hello, screen\r");
        await pi.uart.expect(/^screen demo: shown "hello, screen"/m);
        await pi.idle();
        const two = pi.screen.picture();
        let inside = 0, outside = "";
        for (let y = 0; y < one.height; y++) for (let x = 0; x < one.width; x++) {
          if (pixelAt(one, x, y) === pixelAt(two, x, y)) continue;
          if (x >= CONSOLE.x0 && x < CONSOLE.x1 && y >= CONSOLE.y0 && y < CONSOLE.y1) inside++;
          else if (!outside) outside = `(${x}, ${y})`;
        }
        assert.equal(outside, "", `the typed line changed a pixel outside the console, first at ${outside}`);
        assert.ok(inside > 100, `the typed line changed ${inside} pixels of the console`);
      }));

    it("a copy past the framebuffer's end: QEMU's panic line (tests/qemu/boot.test.ts)", TIMEOUT, () =>
      withPi("build/tests/trap-fb.wasm", board, async (pi) => {
        const code = await pi.finished(30_000);
        assert.match(pi.console, /^panic: core 2: fb\.write: 2 rows of 2560 bytes at offset 1226240, 2560 apart, run past the framebuffer's 1228800 bytes$/m);
        assert.equal(code, 0, pi.console);
      }));
  });
}

it("a display size of the test's choosing, and one the simulator cannot hold", async () => {
  await withPi("build/tests/screen.wasm", "pi3", async (pi) => {
    assert.equal(pi.screen.width, 800);
    assert.equal(pi.screen.height, 600);
    await pi.finished(45_000);
    // The kernel asks for the display's size (screen.open()): 800 x 600, then its own checks (drawn for 640 x 480) fail.
    assert.match(pi.console, /^screen: 800x600, pitch 3200, 1 page\(s\)/m);
  }, { width: 800, height: 600 });
  await assert.rejects(simulate("build/tests/screen.wasm", { screen: { width: 4000, height: 3000 } }),
    (e: Error) => e instanceof SimError && /4000 x 3000 is not a display the simulator holds/.test(e.message));
});
