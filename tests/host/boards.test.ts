// The one description of the boards (tools/boards/spec.ts, issue 23): the
// committed tables made from it are current, every other list agrees with
// it, and a description the generated code cannot serve is refused.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { SOCS, MODELS, cardTrees, Soc } from "../../tools/boards/spec.js";
import { COMMITTED, checkSpec, cHeader } from "../../tools/boards/gen.js";
import { BOARDS } from "../../tools/boards/index.js";
import { DTB_FILES } from "../../tools/card/sdcard.js";

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe("the board description", () => {
  it("the committed files made from it are current (make boards)", () => {
    for (const [path, gen] of COMMITTED) {
      const have = readFileSync(path, "utf8");
      assert.equal(have, gen(have), `${path} is stale: run make boards`);
    }
  });
  it("the tools, the Makefile, the SD card and boot/dts/ name what it names", () => {
    assert.deepEqual(BOARDS.map((b) => b.name), SOCS.map((s) => s.name));
    const line = readFileSync("Makefile", "utf8").match(/^BOARDS\s*:=\s*(.*)$/m);
    assert.deepEqual(line![1].trim().split(/\s+/), SOCS.map((s) => s.name));
    const trees = readdirSync("boot/dts").filter((f) => f.endsWith(".dts")).map((f) => f.replace(/\.dts$/, "")).sort();
    assert.deepEqual(trees, [...cardTrees()].sort(), "boot/dts/*.dts and the spec's trees differ");
    assert.deepEqual(DTB_FILES, cardTrees().map((t) => `${t}.dtb`));
  });
  it("the stub's table holds each board's windows as one range, and its UART", () => {
    const h = cHeader();
    for (const s of SOCS) {
      const span = s.windows.reduce((a, w) => a + w.size, 0);
      assert.match(h, new RegExp(`\\.midr_part = 0x${s.midrPart.toString(16).toUpperCase()},`));
      assert.match(h, new RegExp(`\\.mmio_lo = 0x${s.windows[0].base.toString(16).toUpperCase().padStart(8, "0")}, \\.mmio_span = 0x${span.toString(16).toUpperCase().padStart(8, "0")}`));
      assert.match(h, new RegExp(`\\.uart_dr = 0x${(s.peripheralBase + s.blocks.uart0.offset).toString(16).toUpperCase()} `));
    }
  });
  it("refuses what the generated code cannot serve, saying what is wrong", () => {
    checkSpec();
    const gap = clone(SOCS); gap[0].windows[1].base += 0x1000;
    assert.throws(() => checkSpec(gap), /BCM2837: window 0x40001000 does not follow the one before/);
    const twice = clone(SOCS); twice[1].midrPart = twice[0].midrPart;
    assert.throws(() => checkSpec(twice), /BCM2711: MIDR part 0xD03 is another SoC's/);
    const outside = clone(SOCS); outside[1].blocks.systimer.offset = 0x02000000;
    assert.throws(() => checkSpec(outside), /BCM2711: systimer at 0x00000000 is outside its windows|BCM2711: systimer at 0x[0-9A-F]+ is outside its windows/);
    const moved: Soc[] = clone(SOCS); moved[1].blocks.gpio.offset = 0x300000;
    assert.throws(() => checkSpec(moved), /gpio sits at another offset on some SoC: give struct board \(boot\/board\/board\.h\) a field for it/);
    const pwm = clone(SOCS); pwm[1].pwmPins[1].pin = pwm[1].pwmPins[0].pin;
    assert.throws(() => checkSpec(pwm), /BCM2711: GPIO 12 carries two PWM channels/);
    const noBlock = clone(SOCS); noBlock[0].pwmPins[0].block = 1;
    assert.throws(() => checkSpec(noBlock), /BCM2837: GPIO 12 names PWM1, which the SoC does not have/);
    const models = clone(MODELS); models[1].revisionType = models[0].revisionType;
    assert.throws(() => checkSpec(SOCS, models), /revision type 0x08 twice/);
  });
});
