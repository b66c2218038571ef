// QEMU tests of the drivers (issue 5), on every board. Kernels: tests/kernels/*.ts.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BOARDS } from "../../tools/boards/index.js";
import { boot, assertPassed, assertCore2Trapped, ON } from "./lib.js";

for (const b of BOARDS) {
  describe(`${b.name} (-M ${b.machine})${ON}: drivers`, { concurrency: 1 }, () => {
    it("GPIO outputs read back through the level register, both banks; four cores configure neighbouring pins", async () => {
      const r = await boot(b.name, "gpio");
      assertPassed(r);
      assert.match(r.output, /^gpio test: 0 failures: ok$/m);
    });

    it("randomness: Math.random() builds and differs between cores; the hardware generator where one answers (raspi3b), and a probe, not a crash, where none does (raspi4b)", async () => {
      const r = await boot(b.name, "random");
      assertPassed(r);
      assert.match(r.output, /^random: Math\.random\(\) in \[0, 1\), three different$/m);
      assert.match(r.output, /^random: cores 1 and 2 differ$/m);
      assert.match(r.output, b.name === "pi4" ? /^rng: no hardware generator answers here$/m : /^rng: hardware generator: 64 bytes, varied$/m);
      assert.match(r.output, /^random test: ok$/m);
    });

    it("the ARM clock and the SoC temperature from the firmware: the boot left the ARM at the maximum the firmware reports", async () => {
      const r = await boot(b.name, "clocks");
      assertPassed(r);
      assert.match(r.output, /^clocks: ARM (\d+) MHz, min \d+, max \1$/m);
      assert.match(r.output, /^clocks: temperature 25000 mC, max \d+ mC$/m);     // QEMU's fixed 25 C
      assert.match(r.output, /^clocks test: ok$/m);
    });

    it("a GPIO pin the board does not have ends in a panic line that names the board's range", async () => {
      const r = await boot(b.name, "trap-gpio-pin");
      const range = b.name === "pi4" ? "Raspberry Pi 4 \\(BCM2711\\): its pins are 0-57" : "Raspberry Pi 3 \\(BCM2837\\): its pins are 0-53";
      assertCore2Trapped(r, new RegExp(`^panic: core 2: gpio: pin 60 does not exist on the ${range}$`, "m"));
    });
  });
}

/** 200 printable bytes, more than the PL011's 16-byte FIFO holds. */
const BURST = Array.from({ length: 200 }, (_, i) => String.fromCharCode(33 + (i % 90))).join("");

for (const b of BOARDS) {
  describe(`${b.name} (-M ${b.machine})${ON}: mailbox and UART`, { concurrency: 1 }, () => {
    it("the mailbox returns the board revision and the memory split QEMU reports", async () => {
      const r = await boot(b.name, "mailbox");
      assertPassed(r);
      const expected = b.name === "pi4"
        ? /^mailbox: revision 0xb03115: Raspberry Pi 4 Model B, BCM2711, 2048 MB$/m
        : /^mailbox: revision 0xa02082: Raspberry Pi 3 Model B, BCM2837, 1024 MB$/m;
      assert.match(r.output, expected);
      const mem = r.output.match(/^mailbox: ARM memory (\d+) MiB, VideoCore memory (\d+) MiB$/m);
      assert.ok(mem, r.output);
      assert.ok(Number(mem[1]) > 0 && Number(mem[1]) + Number(mem[2]) <= 1024, `memory split ${mem[1]} + ${mem[2]} MiB`);
      assert.match(r.output, /^mailbox: UART clock [1-9]\d+ Hz, ARM clock [1-9]\d+ Hz$/m);
    });

    // (Typing waits for the whole "echo: ready" line: the echo writes to the
    // UART itself, so bytes echoed before core 0 finished the line would land
    // inside it, and "hello" would never be a line of its own.)
    it("UART echo on receive interrupts through the board's controller (routed to core 1), a 200-byte burst included, nothing lost", async () => {
      const r = await boot(b.name, "uart-echo", {
        input: [{ after: /^echo: ready\n/m, data: "hello\n" }, { after: /^hello$/m, data: `${BURST}\nquit\n` }],
      });
      assertPassed(r);
      assert.ok(r.output.split("\n").includes(BURST), `the burst did not come back whole:\n${r.output}`);
      const m = r.output.match(/^echo: (\d+) bytes, (\d+) interrupts on cores mask (\d+), (\d+) overruns, (\d+) unhandled$/m);
      assert.ok(m, r.output);
      assert.equal(Number(m[1]), 6 + BURST.length + 1 + 5, "bytes received");
      assert.ok(Number(m[2]) > 1 && Number(m[2]) < Number(m[1]), `${m[2]} interrupts for ${m[1]} bytes: the FIFO should gather several per interrupt`);
      assert.equal(Number(m[3]), 2, "only core 1 handled the UART interrupt");
      assert.equal(Number(m[4]), 0, "overruns");
      assert.equal(Number(m[5]), 0, "unhandled interrupts");
    });
  });
}

for (const b of BOARDS) {
  describe(`${b.name} (-M ${b.machine})${ON}: system timer and activity LED`, { concurrency: 1 }, () => {
    it("the system timer's compare interrupt wakes a task (routed to core 2), never early; the LED lights", async () => {
      const r = await boot(b.name, "timers-led", { icount: true, timeoutMs: 60_000 });
      assertPassed(r);
      if (b.name === "pi3") {
        const m = r.output.match(/^systimer: alarm by interrupt after (\d+) us \(asked 2000\), handled on cores mask (\d+)$/m);
        assert.ok(m, r.output);
        assert.ok(Number(m[1]) >= 2000 && Number(m[1]) < 3000, `alarm after ${m[1]} us`);
        assert.equal(Number(m[2]), 4, "handled on core 2 only");
        assert.match(r.output, /^led: on$/m);   // the firmware's expander, through the mailbox
      } else {
        // QEMU's raspi4b does not wire the system timer to the GIC (the UART test covers the GIC's SPIs).
        assert.match(r.output, /^systimer: no interrupt within 50 ms \(handled on cores mask 0, unhandled 0\)$/m);
        assert.match(r.output, /^led: on, GPIO 42 reads high$/m);
      }
    });
  });
}
