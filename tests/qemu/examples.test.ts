// The example programs (examples/*/main.ts), booted on both boards as a user
// boots them (make qemu APP=examples/<name>/main.ts), driven through the UART
// where they take commands. Each waits for `until` and stops there.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BOARDS } from "../../tools/boards/index.js";
import { decodePng, pixelAt } from "../../tools/run/png.js";
import { boot, ON } from "./lib.js";

/** The weather example's chart area and line colour (examples/weather/main.ts: X0, Y0, W, H, LINE). */
const CHART = { x0: 80, y0: 96, x1: 80 + 528, y1: 96 + 320 }, LINE = 0x40c0ff;

for (const b of BOARDS) {
  describe(`${b.name} (-M ${b.machine})${ON}: the examples`, { concurrency: 1 }, () => {
    it("blink: `rate` changes the period at once, not after the sleep under way", async () => {
      // A 60 s period first: if the blinker had to wait for that sleep to end,
      // the next change would come a minute later, past the time-out.
      const r = await boot(b.name, "examples/blink", {
        until: /^blink: every 100 ms from now$/m,
        input: [
          { after: /^blink: type `rate <ms>`/m, data: "rate 60000\r" },
          { after: /^blink: every 60000 ms from now$/m, data: "rate 100\r" },
        ],
      });
      assert.equal(r.timedOut, false, `timed out:\n${r.output}`);
      assert.match(r.output, /^blink: every 60000 ms from now$/m);
      assert.doesNotMatch(r.output, /^panic:/m);
    });

    it("button: boots and waits on the GPIO interrupt (QEMU has no button to press)", async () => {
      const r = await boot(b.name, "examples/button", { until: /^button: waiting for presses on GPIO 17/m });
      assert.equal(r.timedOut, false, `timed out:\n${r.output}`);
      assert.doesNotMatch(r.output, /^panic:/m);
    });

    it("servo: the servo sweeps and the LED breathes on raspi3b (its PWM registers are plain memory); raspi4b has no PWM block, which the example says, not a crash", async () => {
      const r = await boot(b.name, "examples/servo", {
        until: b.name === "pi4" ? /^servo: GPIO 18: no PWM block answers/m : /^servo: 20 degrees, a pulse of 1111 us$/m,
      });
      assert.equal(r.timedOut, false, `timed out:\n${r.output}`);
      if (b.name !== "pi4") assert.match(r.output, /^pwm: the servo on GPIO 18 at 50 Hz, the LED on GPIO 13 at 1000 Hz, from a 19200000 Hz clock$/m);
      assert.doesNotMatch(r.output, /^panic:/m);
    });

    it("weather: boots with its three parts: the time from the RTC, the log read back from the EEPROM, the shell", async () => {
      const dir = mkdtempSync(join(tmpdir(), "tspi-weather-"));
      const rom = join(dir, "eeprom.bin");
      writeFileSync(rom, Buffer.alloc(4096, 0xff));
      try {
        const r = await boot(b.name, "examples/weather", {
          args: ["-blockdev", `driver=file,filename=${rom},node-name=eeprom0`],
          devices: ["tmp105,bus=i2c-bus.1,address=0x48,id=temp0", "at24c-eeprom,bus=i2c-bus.1,address=0x50,drive=eeprom0,rom-size=4096", "ds1338,bus=i2c-bus.1,address=0x68"],
          until: /^weather: type help and Enter$/m,
        });
        assert.equal(r.timedOut, false, `timed out:\n${r.output}`);
        assert.doesNotMatch(r.output, /^panic:/m);
        assert.match(r.output, /^weather: the time from the real-time clock: \d{4}-\d\d-\d\d /m);
        assert.match(r.output, /^weather: the log holds 0 records$/m);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    // The example's shell prints its prompt ("> ") and waits; the console keeps a core's unfinished
    // line until it ends, so the next line that core prints (a sample's) comes after the prompt: the
    // patterns below take an optional "> " (without it a third of the boots waited for a line that had come).
    it("weather: the temperature QMP sets is logged to the EEPROM with the RTC's time, charted on the screen, and read back after a reboot",
      async () => {
      const dir = mkdtempSync(join(tmpdir(), "tspi-weather-"));
      const rom = join(dir, "eeprom.bin"), shot = join(dir, "screen.png");
      writeFileSync(rom, Buffer.alloc(4096, 0xff));                    // a new part: erased
      const parts = {
        args: ["-blockdev", `driver=file,filename=${rom},node-name=eeprom0`],
        devices: [
          "tmp105,bus=i2c-bus.1,address=0x48,id=temp0",
          "at24c-eeprom,bus=i2c-bus.1,address=0x50,drive=eeprom0,rom-size=4096",
          "ds1338,bus=i2c-bus.1,address=0x68",
        ],
      };
      try {
        const r = await boot(b.name, "examples/weather", {
          ...parts,
          until: /^(?:> )?now: /m,
          qmp: [
            { after: /^(?:> )?weather: -?\d+\.\d\d C at /m,                     // the first sample (QEMU's TMP105 starts at 0 C): then 23.5 C
              run: (q) => q.execute("qom-set", { path: "/machine/peripheral/temp0", property: "temperature", value: 23500 }) },
            { after: /^(?:> )?weather: 23\.50 C at /m, run: async (_q, type) => { type("log 3\r"); } },
            { after: /^(?:> )?log: \S+ \S+ 23\.50 C$/m,
              run: async (q, type) => { await q.execute("screendump", { filename: shot, format: "png" }); type("now\r"); return Date.now(); } },
          ],
        });
        assert.equal(r.timedOut, false, `timed out:\n${r.output}`);
        assert.doesNotMatch(r.output, /^panic:/m);
        assert.match(r.output, /^weather: the time from the real-time clock: /m);
        assert.match(r.output, /^weather: the log holds 0 records$/m);
        // the log: the newest record is the temperature set, with the time of day (within a minute of the host's)
        const logged = [...r.output.matchAll(/^(?:> )?log: (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (-?\d+\.\d\d) C$/mg)];
        assert.ok(logged.length >= 1 && logged.length <= 3, r.output);
        const newest = logged[logged.length - 1];
        assert.equal(newest[2], "23.50");
        const host = (r.qmp as number[])[2];
        assert.ok(Math.abs(Date.parse(newest[1].replace(" ", "T") + "Z") - host) < 60_000, `logged at ${newest[1]}, the host's time ${new Date(host).toISOString()}`);
        assert.match(r.output, /^(?:> )?now: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, 23\.50 C$/m);
        // the file: records with the marker 0x5aa5, the newest holding 23500 thousandths of a degree
        const bytes = readFileSync(rom);
        let records = 0, hottest = -Infinity;
        for (let at = 0; at < 4096; at += 16) {
          if (bytes.readUInt16LE(at + 12) !== 0x5aa5) continue;
          records++;
          hottest = Math.max(hottest, bytes.readInt32LE(at + 8));
        }
        assert.ok(records >= 1, "records in the EEPROM's file");
        assert.equal(hottest, 23500);
        // the screen: the chart's line in its area, from the first sample (0 C) up to 23.5 C: it spans the area's height
        const pic = decodePng(readFileSync(shot));
        let onLine = 0, top = Infinity, bottom = -Infinity, outside = 0;
        for (let y = 0; y < pic.height; y++) for (let x = 0; x < pic.width; x++) {
          if (pixelAt(pic, x, y) !== LINE) continue;
          if (x >= CHART.x0 && x < CHART.x1 && y >= CHART.y0 && y < CHART.y1) { onLine++; top = Math.min(top, y); bottom = Math.max(bottom, y); }
          else outside++;
        }
        assert.ok(onLine >= 20, `${onLine} pixels of the chart's line`);
        assert.ok(bottom - top > 200, `the line spans rows ${top}-${bottom}: from 0 C up to 23.5 C`);
        assert.equal(outside, 0, "the line stays in the chart");
        // a reboot: the log is read back from the EEPROM
        const again = await boot(b.name, "examples/weather", { ...parts, until: /^weather: the log holds \d+ records/m });
        assert.equal(again.timedOut, false, `timed out:\n${again.output}`);
        const held = again.output.match(/^weather: the log holds (\d+) records; the last: \S+ \S+ (-?\d+\.\d\d) C$/m);
        assert.ok(held, again.output);
        assert.ok(Number(held[1]) >= records, `${held[1]} records read back, ${records} in the file`);
        assert.equal(held[2], "23.50");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it("shell: commands answer, and the counter two tasks share adds up", async () => {
      const r = await boot(b.name, "examples/shell", {
        until: /^unknown command: frob \(try help\)$/m,
        input: [
          { after: /^shell: type help and Enter$/m, data: "help\r" },
          { after: /^commands: /m, data: "add 5\r" },
          { after: /^added 5$/m, data: "count\r" },
          { after: /^count: \d+/m, data: "frob\r" },
        ],
      });
      assert.equal(r.timedOut, false, `timed out:\n${r.output}`);
      assert.match(r.output, /^commands: count, add <n>, core, help$/m);
      const m = r.output.match(/^count: (\d+) \((\d+) ticks \+ 5 added\)$/m);
      assert.ok(m, r.output);
      assert.equal(Number(m[1]), Number(m[2]) + 5);
    });
  });
}
