// The screen (drivers/screen.ts, gfx/) in QEMU, on every board: the checks
// of tests/kernels/screen.ts (what the framebuffer holds, read back through
// the host), and the screen example as a user sees it: QMP's screendump of
// the display, compared pixel for pixel with docs/images/screen-demo.png
// (the README's picture: `UPDATE_PICTURES=1` writes it anew, for a change
// meant to alter it), then a line typed on the UART, which must change the
// console's rows and nothing else (the example is double-buffered: the
// page it flips to must hold the whole first frame too).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BOARDS } from "../../tools/boards/index.js";
import { decodePng, comparePictures, pixelAt } from "../../tools/run/png.js";
import { boot, assertPassed, ON } from "./lib.js";

const PICTURE = "docs/images/screen-demo.png";
// The example's console: 78 x 9 cells of 8x16 from (8, 328).
const CONSOLE = { x0: 8, y0: 328, x1: 8 + 78 * 8, y1: 328 + 9 * 16 };

for (const b of BOARDS) {
  describe(`${b.name} (-M ${b.machine})${ON}: the screen`, { concurrency: 1 }, () => {
    it("the framebuffer holds what the canvas drew: presents, fills, the text console, println mirrored, blits", async () => {
      const r = await boot(b.name, "screen");
      assertPassed(r);
      assert.match(r.output, /^screen: 640x480, pitch \d+, 1 page\(s\), window \d+ bytes$/m);
      assert.doesNotMatch(r.output, /: NO$/m);
      assert.match(r.output, /^screen test: ok$/m);
    });

    it("the example: the display shows docs/images/screen-demo.png exactly, and a typed line changes only the console", async () => {
      const dir = mkdtempSync(join(tmpdir(), "tspi-screen-"));
      try {
        const first = join(dir, "first.png"), second = join(dir, "second.png");
        const r = await boot(b.name, "examples/screen", {
          qmp: [
            {
              after: /^screen demo: drawn;/m,
              run: async (q, type) => { await q.execute("screendump", { filename: first, format: "png" }); type("hello, screen\r"); },
            },
            {
              after: /^screen demo: shown "hello, screen"/m,
              run: async (q) => { await q.execute("screendump", { filename: second, format: "png" }); await q.execute("quit"); },
            },
          ],
        });
        assert.equal(r.timedOut, false, `timed out:\n${r.output}`);
        assert.doesNotMatch(r.output, /^panic:/m);
        assert.match(r.output, /^screen demo: 640x480, 2 pages, \d+ bytes a row$/m);
        const one = decodePng(readFileSync(first)), two = decodePng(readFileSync(second));
        if (process.env.UPDATE_PICTURES === "1") copyFileSync(first, PICTURE);
        assert.ok(existsSync(PICTURE), `${PICTURE} is missing: UPDATE_PICTURES=1 node --test ${process.argv[1] ?? "build/tools/tests/qemu/screen.test.js"} writes it`);
        const diff = comparePictures(one, decodePng(readFileSync(PICTURE)));
        assert.equal(diff, null, `the display differs from ${PICTURE} in ${diff?.pixels} pixels, first ${diff?.first} (a change meant to alter the picture: UPDATE_PICTURES=1)`);
        let inside = 0, outside = "";
        for (let y = 0; y < one.height; y++) for (let x = 0; x < one.width; x++) {
          if (pixelAt(one, x, y) === pixelAt(two, x, y)) continue;
          if (x >= CONSOLE.x0 && x < CONSOLE.x1 && y >= CONSOLE.y0 && y < CONSOLE.y1) inside++;
          else if (!outside) outside = `(${x}, ${y})`;
        }
        assert.equal(outside, "", `the typed line changed a pixel outside the console, first at ${outside}: the page flipped to lacks part of the first frame`);
        assert.ok(inside > 100, `the typed line changed ${inside} pixels of the console`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
