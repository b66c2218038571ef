// Two more parts' drivers against QEMU's own models on BSC1, on every board
// (tests/kernels/i2c-parts.ts): a PCA9552 16-LED driver at 0x60 (-device
// pca9552), whose LED selectors the test reads through QMP (qom-get
// led0-led15) and one of which it changes (qom-set) for the kernel to see
// on the pins; and an SSD0303 OLED at 0x3C (-device ssd0303: QEMU's is a
// 96x16 panel drawn 4 times as big on a console of its own), whose picture
// the test takes with QMP's screendump of that console and compares pixel
// by pixel with the text drawn from the font's drawing (tools/gfx/font.txt).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BOARDS } from "../../tools/boards/index.js";
import { decodePng, pixelAt, Picture } from "../../tools/run/png.js";
import { parseFont } from "../../tools/gfx/font.js";
import { Qmp } from "../../tools/run/qmp.js";
import { boot, assertPassed, ON } from "./lib.js";

/** What the kernel draws (tests/kernels/i2c-parts.ts's LINE0 and LINE1), each in 8x8 cells from the left edge. */
const LINES = ["Hello, OLED!", "gjpqy 0-9 @#"];
/** QEMU's panel (hw/display/ssd0303.c): 96x16, each pixel a 4x4 square; lit white, dark black. */
const PANEL_W = 96, PANEL_H = 16, MAGNIFY = 4;

const font = parseFont(readFileSync("tools/gfx/font.txt", "utf8"));

/** Whether panel pixel (x, y) is lit with LINES drawn from the font's drawing (glyph bit 7 = the cell's left column). */
function expectedLit(x: number, y: number): boolean {
  const line = LINES[y >> 3], i = x >> 3;
  if (!line || i >= line.length) return false;
  const g = font.glyphs.get(line.charCodeAt(i)) ?? font.missing;
  return (g.rows[y & 7] & (0x80 >> (x & 7))) !== 0;
}

/** The pixels of `pic` that differ from the text (`inverse`: lit and dark swapped), each 4x4 square checked whole. */
function compare(pic: Picture, inverse: boolean): { wrong: number; first: string; lit: number } {
  let wrong = 0, first = "", lit = 0;
  for (let y = 0; y < PANEL_H * MAGNIFY; y++) {
    for (let x = 0; x < PANEL_W * MAGNIFY; x++) {
      const want = expectedLit(x >> 2, y >> 2) !== inverse ? 0xffffff : 0x000000;
      const got = pixelAt(pic, x, y);
      if (got === 0xffffff) lit++;
      if (got !== want) {
        if (!wrong) first = `(${x}, ${y}) (panel (${x >> 2}, ${y >> 2})) is #${got.toString(16).padStart(6, "0")}, expected #${want.toString(16).padStart(6, "0")}`;
        wrong++;
      }
    }
  }
  return { wrong, first, lit };
}

/** The LED selectors as qom-get names them. */
const LEDS = ["on", "off", "pwm0", "pwm1", "off", "on", "off", "off", "off", "off", "off", "off", "on", "on", "on", "on"];

/** Tells the kernel a step is done: LED `n` on (qom-set), which it sees as pin n low. (Not the serial line: on raspi4b a line typed after the kernel's I2C transfers did not reach it.) */
function signal(q: Qmp, n: number): Promise<unknown> {
  return q.execute("qom-set", { path: "/machine/peripheral/leds0", property: `led${n}`, value: "on" });
}

for (const b of BOARDS) {
  describe(`${b.name} (-M ${b.machine})${ON}: I2C parts in QEMU`, { concurrency: 1 }, () => {
    it("a PCA9552: LEDs set and blink rates programmed (registers, qom-get, pins), a pin changed from outside; an SSD0303: text on it as the font draws it, then inverted; NACKs where nothing answers", async () => {
      const dir = mkdtempSync(join(tmpdir(), "tspi-oled-"));
      const shot = [join(dir, "text.png"), join(dir, "inverse.png")];
      const leds: unknown[] = [];
      try {
        const r = await boot(b.name, "i2c-parts", {
          devices: ["pca9552,bus=i2c-bus.1,address=0x60,id=leds0", "ssd0303,bus=i2c-bus.1,address=0x3c,id=oled0"],
          qmp: [
            {
              after: /^pca9552: ready$/m,
              run: async (q: Qmp) => {
                for (let i = 0; i < 16; i++) leds.push(await q.execute("qom-get", { path: "/machine/peripheral/leds0", property: `led${i}` }));
                await signal(q, 8);
              },
            },
            {
              after: /^ssd0303: .*shown$/m,
              run: async (q: Qmp) => { await q.execute("screendump", { filename: shot[0], format: "png", device: "oled0" }); await signal(q, 9); },
            },
            {
              after: /^ssd0303: inverse$/m,
              run: async (q: Qmp) => { await q.execute("screendump", { filename: shot[1], format: "png", device: "oled0" }); await signal(q, 10); },
            },
          ],
        });
        assertPassed(r);
        // The PCA9552: PSC0 21 (2 Hz: 44 / 22), PWM0 128 (half), PSC1 87 (0.5 Hz), PWM1 192 (lit a quarter),
        // LS0 = 11 10 01 00 (LED 3 BLINK1, 2 BLINK0, 1 off, 0 on), LS1 = 01 01 00 01 (5 on), LS2 all off, LS3 all on.
        assert.match(r.output, /^pca9552: registers 2-9: 15 80 57 c0 e4 51 55 00$/m);
        // Pins: on low, off high; QEMU's model leaves a blinking pin as it was (high, from the reset's off).
        assert.match(r.output, /^pca9552: pins 0x0fde$/m);
        assert.match(r.output, /^pca9552: state of 3 3, of 13 0$/m);
        assert.deepEqual(leds, LEDS, "qom-get led0-led15");
        assert.match(r.output, /^pca9552: after qom-set, pins 0x0ede$/m);
        assert.match(r.output, /^pca9552 at 0x61: no acknowledge \(NACK\), read -1$/m);
        assert.match(r.output, /^ssd0303: 96x16, text to x 96: shown$/m);
        assert.match(r.output, /^ssd0303 at 0x3d: no acknowledge \(NACK\)$/m);
        assert.match(r.output, /^i2c-parts test: ok$/m);
        // The SSD0303's console: 384x64, every pixel as the font has it.
        const text = decodePng(readFileSync(shot[0]));
        assert.equal(`${text.width}x${text.height}`, `${PANEL_W * MAGNIFY}x${PANEL_H * MAGNIFY}`, "the panel's console");
        const t = compare(text, false);
        assert.ok(t.lit > 1000, `some text is lit (${t.lit} pixels)`);
        assert.equal(t.wrong, 0, `text: ${t.wrong} pixels differ from the font's, the first ${t.first}`);
        const inv = compare(decodePng(readFileSync(shot[1])), true);
        assert.equal(inv.wrong, 0, `inverse: ${inv.wrong} pixels differ, the first ${inv.first}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
