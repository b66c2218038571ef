// The I2C driver (drivers/i2c.ts) against the recording fake host: the
// register sequence of a transfer, and the two ways a waiting transfer is
// woken, which QEMU's model never exercises (it finishes every transfer
// within the poll that starts it): the BSC interrupt (Pi 3; a Pi 4 board)
// and the fallback timer (QEMU's raspi4b, where the interrupt never comes).
// Then each error as a value: NACK, clock stretch, a transfer that never
// ends; and a cancel in the middle, which stops the controller.
import * as i2c from "../../assembly/drivers/i2c";
import { I2cError } from "../../assembly/drivers/i2c";
import { spawnOn } from "../../assembly/kernel/exec";
import { Board } from "../../assembly/board";
import { trace, since, machine, setReg, raiseIrq, writeOneToClear, autoAdvance, i2cController, i2cAttach, FakePart } from "../../assembly/testing";
import { startKept, drain, tick } from "./run";
import { serviceEvents, ticksFromMillis } from "../../assembly/kernel/exec";

const BSC1: u32 = 0x3f804000;

/** A Pi 3 with BSC1 open; the status register clears what is written to it, as the block's does. */
function pi3(): i2c.Bus {
  machine(Board.Pi3);
  writeOneToClear(BSC1 + i2c.S);
  setReg(BSC1 + i2c.S, i2c.S_TXD);                   // the reset value's TXD: room in the FIFO
  return i2c.open(1, 0);
}

function bytes(n: i32): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = <u8>(i + 1);
  return b;
}


function count(text: string, what: string): i32 { return text.split(what).length - 1; }

describe("I2C (BSC)", () => {
  it("a 20-byte write: C written once (I2CEN, ST, CLEAR, INTD, INTT), 16 bytes into the FIFO, the rest after the interrupt", () => {
    const bus = pi3();
    const mark = trace().length;
    const irqs = bus.byInterrupt;
    const t = startKept(bus.transfer(0x48, 100_000, bytes(20), null));
    const first = since(mark);
    expect(first.includes("mmio.write32 0x3f804008 0x14")).toBe(true);         // DLEN 20
    expect(first.includes("mmio.write32 0x3f80400c 0x48")).toBe(true);         // A
    expect(first.includes("mmio.write32 0x3f804000 0x83a0")).toBe(true);       // C: I2CEN ST INTD INTT CLEAR
    expect(count(first, "mmio.write32 0x3f804000 ")).toBe(1);                 // C once: QEMU starts a transfer on any C write with I2CEN
    expect(count(first, "mmio.write32 0x3f804010 ")).toBe(16);                // the FIFO's 16
    expect(t.f.isPending).toBe(true);
    setReg(BSC1 + i2c.S, i2c.S_TXD | i2c.S_DONE | i2c.S_TA);
    const mark2 = trace().length;
    raiseIrq(53);
    serviceEvents();
    drain();
    const second = since(mark2);
    expect(count(second, "mmio.write32 0x3f804010 ")).toBe(4);                // the last 4
    expect(second.includes("mmio.write32 0x3f804010 0x14")).toBe(true);       // ... ending with byte 20
    expect(t.f.isReady).toBe(true);
    expect(t.f.output).toBe(I2cError.None);
    expect(bus.byInterrupt - irqs).toBe(1);
  });

  it("a read the interrupt never announces is finished by the fallback timer, once a millisecond", () => {
    const bus = pi3();
    setReg(BSC1 + i2c.S, i2c.S_TA);                   // started, nothing received yet
    const timers = bus.byTimer;
    const into = new Uint8Array(2);
    const t = startKept(bus.transfer(0x48, 100_000, null, into));
    expect(t.f.isPending).toBe(true);
    tick(ticksFromMillis(1) - 1);
    expect(t.f.isPending).toBe(true);                  // not before its millisecond
    setReg(BSC1 + i2c.S, i2c.S_RXD | i2c.S_DONE);
    setReg(BSC1 + i2c.FIFO, 0x2a);
    tick(1);
    expect(t.f.isReady).toBe(true);
    expect(t.f.output).toBe(I2cError.None);
    expect(into[0]).toBe(0x2a);
    expect(into[1]).toBe(0x2a);
    expect(bus.byTimer - timers).toBe(1);
  });

  it("NACK and clock stretch are values; the controller is stopped (C without I2CEN) and the sticky bits cleared", () => {
    const bus = pi3();
    setReg(BSC1 + i2c.S, i2c.S_TA);                   // the FIFO full: the bytes wait
    const nack = startKept(bus.transfer(0x50, 100_000, bytes(2), null));
    setReg(BSC1 + i2c.S, i2c.S_ERR | i2c.S_DONE);     // the address was not acknowledged
    const mark = trace().length;
    raiseIrq(53);
    serviceEvents();
    drain();
    expect(nack.f.output).toBe(I2cError.Nack);
    expect(since(mark).includes("mmio.write32 0x3f804000 0x20\nmmio.write32 0x3f804004 0x302")).toBe(true);
    setReg(BSC1 + i2c.S, i2c.S_TA);
    const slow = startKept(bus.transfer(0x48, 100_000, null, new Uint8Array(1)));
    setReg(BSC1 + i2c.S, i2c.S_CLKT);
    raiseIrq(53);
    serviceEvents();
    drain();
    expect(slow.f.output).toBe(I2cError.ClockStretch);
  });

  it("a transfer that never ends gives Timeout after twice its time on the wire plus 10 ms", () => {
    const bus = pi3();
    setReg(BSC1 + i2c.S, i2c.S_TA);
    const t = startKept(bus.transfer(0x48, 100_000, null, new Uint8Array(2)));
    for (let ms = 0; ms < 10; ms++) tick(ticksFromMillis(1));
    expect(t.f.isPending).toBe(true);                  // 10 ms: not yet (the wire's 0.27 ms twice is still to come)
    for (let ms = 0; ms < 2; ms++) tick(ticksFromMillis(1));
    expect(t.f.isReady).toBe(true);
    expect(t.f.output).toBe(I2cError.Timeout);
  });

  it("cancelled while it runs, a transfer stops the controller and leaves nothing waiting", () => {
    const bus = pi3();
    setReg(BSC1 + i2c.S, i2c.S_TA);
    const f = bus.transfer(0x48, 100_000, null, new Uint8Array(2));
    const t = startKept(f);
    expect(bus.waiting).not.toBe(0);
    const mark = trace().length;
    f.cancel();
    expect(bus.waiting).toBe(0);
    expect(since(mark).includes("mmio.write32 0x3f804000 0x20")).toBe(true);
    expect(f.isCancelled).toBe(true);
  });

  it("the divider for 100 kHz and 400 kHz from the firmware's core clock (even, at most the speed asked)", () => {
    const bus = pi3();
    bus.coreHz = 250_000_000;
    bus.divHz = 0;
    bus.setSpeed(100_000);
    expect(trace().endsWith("mmio.write32 0x3f804014 0x9c4")).toBe(true);   // 2500
    bus.setSpeed(400_000);
    expect(trace().endsWith("mmio.write32 0x3f804014 0x272")).toBe(true);   // 625 -> 626
  });

  it("a bus the board does not have is refused by name", () => {
    machine(Board.Pi3);
    expect(() => { i2c.open(3); }).toThrow();
  });

  it("a round that finds the fallback's time already passed moves bytes again: a delay (a collection's pause) is no timeout", () => {
    // Every clock read a millisecond and a tick later: the fallback's deadline has passed by the time
    // it is polled, as after a pause. A 20-byte write fills the FIFO's 16 in the first round; the
    // next round, at once, must move the last 4 (before: its allowance spent, it timed out).
    machine(Board.Pi3);
    i2cController(BSC1);
    i2cAttach(BSC1, 0x3c, FakePart.Ssd1306);
    const bus = i2c.open(1, 0);
    const data = bytes(20);
    data[0] = 0x40;                                          // the SSD1306's data control byte
    autoAdvance(ticksFromMillis(1) + 1);
    const t = startKept(bus.transfer(0x3c, 100_000, data, null));
    autoAdvance(0);
    expect(t.f.isReady).toBe(true);
    expect(t.f.output).toBe(I2cError.None);
  });
});
