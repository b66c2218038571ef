// The simulator (tools/sim, docs/simulator.md): whole kernels, the same
// kernel.wasm files make builds for the boards, on four worker threads in
// node, with input pins driven as QEMU cannot drive them.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { simulate, SimError, ModuleError, Tmp105, Eeprom24c, RunningDs1338, W25q80, type Pi } from "../../tools/sim/index.js";


const BOARDS = ["pi3", "pi4"] as const;
const TIMEOUT = { timeout: 60_000 };

/** Runs `f` with a simulated board, always stopping its workers. */
async function withPi<T>(wasm: string, board: "pi3" | "pi4", f: (pi: Pi) => Promise<T>, time: "virtual" | "manual" = "virtual"): Promise<T> {
  const pi = await simulate(wasm, { board, time });
  try { return await f(pi); } finally { await pi.stop(); }
}

for (const board of BOARDS) {
  describe(`simulator, ${board}`, { concurrency: 1 }, () => {
    it("boots the tour (build/kernel.wasm) on four cores; a pressed GPIO 17 and a typed line reach its tasks", TIMEOUT, () =>
      withPi("build/kernel.wasm", board, async (pi) => {
        await pi.uart.expect("cores online: 4");
        await pi.uart.expect(/^blink: /m);              // the button task has turned its detection on by now
        for (const n of [1, 2]) {
          pi.gpio(17).press();
          await pi.uart.expect(new RegExp(`^button: pressed ${n} \\(core \\d\\)$`, "m"));
          pi.gpio(17).release();
        }
        pi.uart.type("hello from the test\r");
        await pi.uart.expect(/^you typed: hello from the test \(core \d\)$/m);
        assert.doesNotMatch(pi.console, /^panic:/m);
        // The heap's and the collector's figures (the page shows them), read while the cores run; the tour's `heap` makes a collection.
        const before = pi.figures();
        assert.ok(before?.heap && before.heap.inUse > 0 && before.heap.liveBlocks > 0 && before.heap.capacity > 60 << 20, JSON.stringify(before));
        assert.equal(before.gc.collections, 0);
        pi.uart.type("heap\r");
        const line = /^heap: (\d+) bytes in use after a collection \((\d+) so far\)$/m;
        const said = (await pi.uart.expect(line)).match(line)!;
        await pi.idle();
        const after = pi.figures()!;
        assert.equal(after.gc.collections, Number(said[2]), JSON.stringify(after));
        assert.ok(after.gc.liveObjects > 0 && after.gc.increments >= after.gc.collections && after.gc.maxPauseMs > 0, JSON.stringify(after));
        assert.ok(after.heap!.peak >= after.heap!.inUse && after.heap!.peak >= Number(said[1]), JSON.stringify(after));
      }));

    it("each core's last async function, by name (the kernel's __async_name): the core that echoed a typed line last ran the tour's echo()", TIMEOUT, () =>
      withPi("build/kernel.wasm", board, async (pi) => {
        await pi.uart.expect(/^heap: \d+ KiB free/m);
        await pi.idle();                                    // manual time: the timers' tasks wait for advance(), so nothing runs after the echo
        pi.uart.type("name me\r");
        const echoed = await pi.uart.expect(/^you typed: name me \(core \d\)$/m);
        await pi.idle();
        const answered = Number(/core (\d)\)$/.exec(echoed)![1]);
        assert.match(pi.cores()[answered].lastAsync, /^echo \(examples\/tour\/main\.ts:\d+\)$/, JSON.stringify(pi.cores()));
      }, "manual"));

    it("a kernel built without __figures (the test kernels) has none", TIMEOUT, () =>
      withPi("build/tests/channels.wasm", board, async (pi) => {
        assert.equal(pi.figures(), null);
      }));

    it("examples/button: a press toggles the LED, a bounce shorter than the settle time does not, a release re-arms it", TIMEOUT, () =>
      withPi("build/examples/button.wasm", board, async (pi) => {
        const pin = pi.gpio(17);
        await pi.uart.expect("button: waiting for presses on GPIO 17");
        await pi.idle();
        assert.equal(pin.level, true, "the kernel's pull-up holds GPIO 17 high");
        assert.equal(pi.led, false);
        // A bounce: down, then up again before the 20 ms settle ends.
        pin.press();
        await pi.idle();                                 // the edge taken, the task asleep in its settle
        pin.release();
        pi.advance(25);
        await pi.idle();
        assert.doesNotMatch(pi.console, /button: press 1/, "a 0 ms contact is a bounce, not a press");
        // A press held past the settle time.
        pin.press();
        await pi.idle();
        pi.advance(25);
        await pi.uart.expect("button: press 1, LED on");
        assert.equal(pi.led, true);
        pin.release();
        await pi.idle();
        pi.advance(25);
        await pi.idle();
        pin.press();
        await pi.idle();
        pi.advance(25);
        await pi.uart.expect("button: press 2, LED off");
        assert.equal(pi.led, false);
        assert.doesNotMatch(pi.console, /^panic:/m);
      }, "manual"));

    it("an edge storm (2,000 toggles while the kernel runs) neither stops it nor loses the next press", TIMEOUT, () =>
      withPi("build/examples/button.wasm", board, async (pi) => {
        const pin = pi.gpio(17);
        await pi.uart.expect("button: waiting for presses on GPIO 17");
        for (let i = 0; i < 2000; i++) pin.drive(i % 2 === 1);
        pin.release();
        await pi.idle();
        pi.advance(100);
        await pi.idle();
        const before = (pi.console.match(/button: press \d+/g) ?? []).length;
        pin.press();
        await pi.idle();
        pi.advance(25);
        await pi.uart.expect(`button: press ${before + 1}, LED`);
        assert.doesNotMatch(pi.console, /^panic:/m);
      }, "manual"));

    it("tests/kernels/i2c.ts (QEMU's I2C test kernel) against a TMP105 the test attaches to BSC1 and warms", TIMEOUT, () =>
      withPi("build/tests/i2c.wasm", board, async (pi) => {
        const sensor = new Tmp105();
        pi.i2c(1).attach(0x48, sensor);
        await pi.uart.expect(/^i2c: ready$/m);
        sensor.celsius = 42.5;
        assert.equal(await pi.finished(45_000), 0, pi.console);
        for (const line of [/^i2c: scan of BSC1: 0x48$/m, /^i2c: configuration register: 0x60$/m, /^i2c: read at 0x50: no acknowledge \(NACK\)$/m,
          /^i2c: two cores, 100 write-read pairs each: 0 wrong$/m, /^i2c: temperature 25\.000 C$/m, /^i2c: temperature now 42\.500 C$/m]) assert.match(pi.console, line);
        assert.throws(() => pi.i2c(7), /has BSC .* for the kernel/);
      }));

    it("tests/kernels/i2c-devices.ts (QEMU's test of the parts' drivers): a TMP105, a 24C32 EEPROM and a DS1338 clock the test attaches", TIMEOUT, () =>
      withPi("build/tests/i2c-devices.wasm", board, async (pi) => {
        const sensor = new Tmp105(), rom = new Eeprom24c(4096), rtc = new RunningDs1338(new Date());
        for (const [address, part] of [[0x48, sensor], [0x50, rom], [0x68, rtc]] as const) pi.i2c(1).attach(address, part);
        await pi.uart.expect(/^i2c-devices: ready$/m);
        sensor.celsius = -21.5;
        assert.equal(await pi.finished(45_000), 0, pi.console);
        assert.match(pi.console, /^tmp105: -21\.5 C$/m);
        assert.match(pi.console, /^eeprom: 300 bytes at 1000 written and read back: same$/m);
        assert.match(pi.console, /^eeprom: a read past the end: length out of range$/m);
        for (let i = 0; i < 300; i++) assert.equal(rom.data[1000 + i], (i * 7 + 3) & 0xff, `the EEPROM's byte ${1000 + i}`);
        assert.equal(rom.data[999], 0xff);
        assert.equal(rom.data[1300], 0xff);
        const t = pi.console.match(/^rtc: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \((\d+)\)$/m);
        assert.ok(t && Math.abs(Number(t[1]) - Date.now() / 1000) < 120, `the clock read as the test set it: ${t?.[0]}`);
        assert.match(pi.console, /^rtc: set, now 2030-06-15 12:34:5[67]$/m);
        assert.match(pi.console, /^i2c-devices test: ok$/m);
      }));

    it("tests/kernels/spi.ts (QEMU's SPI test): a W25Q80 flash on CE0 (GPIO 8, which the driver drives): its id, a page programmed and read back, a sector erased, two cores sharing the master", TIMEOUT, () =>
      withPi("build/tests/spi.wasm", board, async (pi) => {
        const flash = new W25q80();
        pi.spi(0).attach(flash, 0);
        await pi.uart.expect(/^spi: link the chip select$/m);
        flash.bytes.fill(0x5a, 0x1100, 0x2100);               // the rest of the sector the kernel erases (its page at 0x1000 stays erased), and past it
        pi.uart.type("go\r");
        assert.equal(await pi.finished(45_000), 0, pi.console);
        // QEMU's lines (tests/qemu/spi.test.ts)
        assert.match(pi.console, /^spi: JEDEC id ef 40 14$/m);
        assert.match(pi.console, /^spi: a page programmed at 0x1000 and read back: same$/m);
        assert.match(pi.console, /^spi: the sector erased: all ones$/m);
        assert.match(pi.console, /^spi: two cores, 50 id reads each: 0 wrong$/m);
        // The flash itself: the sector erased whole, its neighbours untouched.
        assert.ok(flash.bytes.subarray(0x1000, 0x2000).every((b) => b === 0xff), "the sector at 0x1000 is erased whole");
        assert.ok(flash.bytes.subarray(0x2000, 0x2100).every((b) => b === 0x5a), "the next sector is untouched");
      }));

    it("tests/kernels/dma.ts (QEMU's DMA test): copies that take the engine's time, whole across cache lines, errors as values, four cores at once; dma.spi says it is not simulated", TIMEOUT, () =>
      withPi("build/tests/dma.wasm", board, async (pi) => {
        await pi.uart.expect(/^panic: core \d: dma\.spi: the simulator does not model this yet/m, 30_000);
        assert.match(pi.console, /^dma: channels 0 2 4 5$/m);
        for (const check of ["65549 bytes, ends off the cache lines, copied whole", "the bytes around the destination untouched", "10 bytes (the host's own copy)",
          "a short destination is DmaError.Length", "overlapping buffers are DmaError.Overlap", "four 256 KiB copies at once, one from each core, all whole"])
          assert.ok(pi.console.includes(`dma: ${check}: yes`), `${check}:\n${pi.console}`);
        assert.doesNotMatch(pi.console, /: NO$/m);
      }));

    it("examples/servo: the PWM the kernel sets up is the servo's 50 Hz pulse of the angle it prints, and the LED's 1 kHz balanced duty breathes", TIMEOUT, () =>
      withPi("build/examples/servo.wasm", board, async (pi) => {
        const line = /^servo: (\d+) degrees, a pulse of (\d+) us$/m;
        const duties = new Set<number>();
        for (const want of [0, 10, 20]) {
          const [, angle, us] = (await pi.uart.expect(line)).match(line)!;
          assert.equal(Number(angle), want);
          await pi.idle();                                  // manual time: the next step waits for advance()
          const servo = pi.pwm(18)!;
          assert.equal(servo.mode, "mark-space");
          assert.equal(servo.hz, 50);
          assert.ok(Math.abs(servo.pulseMicros - Number(us)) < 1, `pulse ${servo.pulseMicros} us, the kernel said ${us}`);
          assert.ok(Math.abs(servo.pulseMicros - (1000 + Number(angle) * 1000 / 180)) < 1);
          const led = pi.pwm(13)!;
          assert.equal(led.mode, "balanced");
          assert.equal(led.hz, 1000);
          duties.add(led.duty);
          pi.advance(300);
        }
        assert.ok(duties.size >= 2, `the LED's duty changed as it breathes: ${[...duties]}`);
        assert.equal(pi.pwm(17), null, "GPIO 17 carries no PWM");
      }, "manual"));

    it("a push, as a board takes one: a broken module is refused and the running kernel goes on; a good one starts on every core on the same board; its exit is the run's end", TIMEOUT, () =>
      withPi("build/examples/button.wasm", board, async (pi) => {
        const press = async (n: number) => {            // held past the 20 ms settle time, then let go and settled again
          await pi.idle();
          pi.gpio(17).press(); await pi.idle(); pi.advance(30);
          await pi.uart.expect(new RegExp(`^button: press ${n}, LED o(n|ff)$`, "m"));
          pi.gpio(17).release(); await pi.idle(); pi.advance(30); await pi.idle();
        };
        await pi.uart.expect(/^button: waiting for presses on GPIO 17/m);
        await press(1);
        const wasm = readFileSync("build/examples/button.wasm");
        await assert.rejects(pi.push(wasm.subarray(0, wasm.length - 100)), (e: Error) => e instanceof ModuleError && /cut short/.test(e.message));
        await press(2);                                   // the kernel that ran goes on
        await pi.push(wasm);
        await pi.uart.expect(/^push: accepted: \d+ bytes/m);
        await pi.uart.expect(/^button: waiting for presses on GPIO 17/m);
        await press(1);                                   // a new kernel: its count starts again
        assert.doesNotMatch(pi.console, /^panic:/m, "the old cores stop without a word");
        await pi.push(readFileSync("build/tests/trap-abort.wasm"));   // a kernel that ends: its exit() ends the run
        assert.equal(await pi.finished(45_000), 0, pi.console);
        assert.match(pi.console, /^panic: core 2: four is not five at tests\/kernels\/trap-abort\.ts:8:3$/m);
      }, "manual"));

    for (const [kernel, what] of [
      ["channels", "channels and select across the cores"],
      ["stress", "the executor's seeded stress rounds (cancellation, traps with a lock held, a hogged core)"],
      ["mpmc", "100,000 messages through a bounded queue, four producers and consumers"],
      ["timers", "timers on the cores' timer interrupts"],
      ["gpio", "the GPIO driver's checks"],
      ["trap-task", "a trap ends the task, not the core"],
    ] as const) {
      it(`tests/kernels/${kernel}.ts exits 0: ${what}`, TIMEOUT, () =>
        withPi(`build/tests/${kernel}.wasm`, board, async (pi) => {
          const code = await pi.finished(45_000);
          assert.equal(code, 0, pi.console);
        }));
    }

    for (const [kernel, line] of [
      ["trap-unreachable", /^panic: core 2: \[trap\] unreachable executed in \S*crash$/m],
      ["trap-abort", /^panic: core 2: four is not five at tests\/kernels\/trap-abort\.ts:8:3$/m],
      ["trap-async", /^panic: core 2: Index out of range at ~lib\/array\.ts:\d+:\d+, in async function readPast \(tests\/kernels\/trap-async\.ts:7\) at line 10$/m],
      ["trap-mmio", /^panic: core 2: mmio\.write32: address 0x00080000 is outside the Raspberry Pi \d's peripheral windows$/m],
    ] as const) {
      it(`${kernel}: the panic line QEMU prints (tests/qemu/boot.test.ts), and the other cores go on`, TIMEOUT, () =>
        withPi(`build/tests/${kernel}.wasm`, board, async (pi) => {
          const code = await pi.finished(30_000);
          assert.match(pi.console, line);
          assert.equal(code, 0, pi.console);
        }));
    }
  });
}

describe("simulator: bad input", () => {
  it("a file that is not a kernel.wasm, a cut one, an unknown board or time: a clear error", async () => {
    await assert.rejects(simulate("build/no-such.wasm"), (e: Error) => e instanceof SimError && /cannot read build\/no-such\.wasm/.test(e.message));
    await assert.rejects(simulate(new TextEncoder().encode("hello")), (e: Error) => e instanceof ModuleError && /not a WebAssembly module/.test(e.message));
    const wasm = readFileSync("build/kernel.wasm");
    await assert.rejects(simulate(wasm.subarray(0, wasm.length - 100)), (e: Error) => e instanceof ModuleError && /cut short/.test(e.message));
    await assert.rejects(simulate(wasm, { board: "pi5" as "pi3" }), (e: Error) => e instanceof SimError && /unknown board 'pi5'/.test(e.message));
    await assert.rejects(simulate(wasm, { time: "fast" as "real" }), (e: Error) => e instanceof SimError && /unknown time 'fast'/.test(e.message));
  });

  it("a kernel built for another host ABI is refused with the import it lacks, before any core starts", async () => {
    await assert.rejects(simulate("build/tests/bad-import.wasm"), (e: Error) => e instanceof ModuleError && /imports cpu\.teleport, which host ABI \d+ does not have/.test(e.message));
  });
});
