// The text font (tools/gfx/font.txt -> assembly/gfx/font.ts): the committed
// table is current, and a drawing mistake is refused with its line.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { FONT_TEXT, FONT_MODULE, fontModule, parseFont } from "../../tools/gfx/font.js";

describe("the text font", () => {
  const text = readFileSync(FONT_TEXT, "utf8");
  it("assembly/gfx/font.ts is packed from tools/gfx/font.txt (make font)", () => {
    assert.equal(readFileSync(FONT_MODULE, "utf8"), fontModule(text), `${FONT_MODULE} is stale: run make font`);
  });
  it("every printable ASCII character has a glyph; 'A' is the drawing's, one column in", () => {
    const { glyphs } = parseFont(text);
    for (let c = 32; c < 127; c++) assert.ok(glyphs.has(c), String.fromCharCode(c));
    assert.deepEqual(glyphs.get(0x41)!.rows, [0x38, 0x44, 0x44, 0x7c, 0x44, 0x44, 0x44, 0x00]);
  });
  it("refuses a row of the wrong width, a second glyph for a character, and a missing one, by line", () => {
    const lines = text.split("\n");
    const a = lines.findIndex((l) => l.startsWith("A "));
    const narrow = [...lines]; narrow[a] = "A .##. #...# #...# ##### #...# #...# #...# .....";
    assert.throws(() => parseFont(narrow.join("\n")), new RegExp(`font\\.txt:${a + 1}: row "\\.##\\." is 4 columns wide, not 5`));
    const twice = [...lines, lines[a]];
    assert.throws(() => parseFont(twice.join("\n")), new RegExp(`font\\.txt:${twice.length}: a second glyph for A \\(the first is on line ${a + 1}\\)`));
    const without = lines.filter((_, i) => i !== a);
    assert.throws(() => parseFont(without.join("\n")), /no glyph for "A"/);
  });
});
