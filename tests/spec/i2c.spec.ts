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
import { trace, since, machine, setReg, raiseIrq, writeOneToClear, autoAdvance, i2cController, i2cAttach, i2cWireTime, i2cLog, i2cRegister, FakePart, TEN_BIT } from "../../assembly/testing";
import { startKept, drain, tick, runToEnd } from "./run";
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


/** A Pi 3 whose BSC1 is the model, with an SSD1306 at 0x3c. */
function ssd1306Bus(): i2c.Bus {
  machine(Board.Pi3);
  i2cController(BSC1);
  i2cAttach(BSC1, 0x3c, FakePart.Ssd1306);
  return i2c.open(1, 0);
}

/** `n` bytes for the SSD1306: its data control byte (0x40), then data. */
function ssdData(n: i32): Uint8Array {
  const data = bytes(n);
  data[0] = 0x40;
  return data;
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
    const bus = ssd1306Bus();
    const data = ssdData(20);
    autoAdvance(ticksFromMillis(1) + 1);
    const t = startKept(bus.transfer(0x3c, 100_000, data, null));
    autoAdvance(0);
    expect(t.f.isReady).toBe(true);
    expect(t.f.output).toBe(I2cError.None);
  });

  it("a transfer that keeps moving is no timeout, however late its wakes: the deadline counts from its last byte", () => {
    // Every clock read 15 ms later (late fallback ticks, as on a loaded host under QEMU's raspi4b):
    // a 64-byte write moves 16 bytes a round, each round past the first deadline (10 ms + twice
    // 5.9 ms on the wire). Before, it gave Timeout after its second round.
    const bus = ssd1306Bus();
    const data = ssdData(64);
    autoAdvance(ticksFromMillis(15));
    const t = startKept(bus.transfer(0x3c, 100_000, data, null));
    for (let i = 0; i < 20 && !t.f.isReady; i++) { serviceEvents(); drain(); tick(ticksFromMillis(1)); }
    autoAdvance(0);
    expect(t.f.isReady).toBe(true);
    expect(t.f.output).toBe(I2cError.None);
  });
});

/** A Pi 3 whose BSC1 is the model, writes taking their time, with a DS1338 at `address` (TEN_BIT | a 10-bit one). */
function timedBus(address: u32): i2c.Bus {
  machine(Board.Pi3);
  i2cController(BSC1);
  i2cWireTime(BSC1, true);
  i2cAttach(BSC1, address, FakePart.Ds1338);
  return i2c.open(1, 0);
}

let sharedBus: i2c.Bus | null = null;

describe("I2C: repeated start and 10-bit addresses (against the BSC model with time on the wire)", () => {
  it("writeRead sets up the read while the write is on the wire: a repeated start, no STOP between", () => {
    const bus = timedBus(0x68);
    const clock = bus.device(0x68);
    const into = new Uint8Array(2);
    const before = i2cLog(BSC1).length;
    runToEnd(clock.writeRead(bytes(1), into));     // the pointer 1, then two bytes
    const log = i2cLog(BSC1, before);
    expect(log.length).toBe(2);
    expect(log[0].read).toBe(false);
    expect(log[0].restart).toBe(false);
    expect(log[1].read).toBe(true);
    expect(log[1].restart).toBe(true, "the read began with a repeated start");
    expect(log[1].bytes.length).toBe(2);
    expect(into[0]).toBe(<u8>i2cRegister(BSC1, 0x68, 1));
    expect(into[1]).toBe(<u8>i2cRegister(BSC1, 0x68, 2));
  });

  it("a 10-bit write: A is 11110XX, the address's low byte first, then the data", () => {
    const bus = timedBus(TEN_BIT | 0x1a6);
    const d = bus.device(0x1a6);
    expect(d.tenBit).toBe(true);
    const data = new Uint8Array(2);
    data[0] = 0x08; data[1] = 0xab;                // RAM at 08h: 0xab
    const before = i2cLog(BSC1).length;
    const t = d.write(data);
    runToEnd(t);
    expect(t.output).toBe(I2cError.None);
    const log = i2cLog(BSC1, before);
    expect(log.length).toBe(1);
    expect(log[0].address).toBe(0x78 | 1);
    expect(log[0].bytes.length).toBe(3);
    expect(log[0].bytes[0]).toBe(0xa6);
    expect(i2cRegister(BSC1, TEN_BIT | 0x1a6, 8)).toBe(0xab);
  });

  it("a 10-bit read: the address's write, then 11110XX with READ after a repeated start", () => {
    const bus = timedBus(TEN_BIT | 0x2c3);
    const d = bus.device(0x2c3);
    const data = new Uint8Array(2);
    data[0] = 0x10; data[1] = 0x5a;
    runToEnd(d.write(data));
    const pointer = new Uint8Array(1);
    pointer[0] = 0x10;
    runToEnd(d.write(pointer));
    const before = i2cLog(BSC1).length;
    const into = new Uint8Array(1);
    const t = d.read(into);
    runToEnd(t);
    expect(t.output).toBe(I2cError.None);
    expect(into[0]).toBe(0x5a);
    const log = i2cLog(BSC1, before);
    expect(log.length).toBe(2);
    expect(log[0].read).toBe(false);
    expect(log[0].address).toBe(0x78 | 2);
    expect(log[0].bytes.length).toBe(1);
    expect(log[0].bytes[0]).toBe(0xc3);
    expect(log[1].read).toBe(true);
    expect(log[1].address).toBe(0x78 | 2);
    expect(log[1].restart).toBe(true);
  });

  it("a 10-bit address nothing answers is a NACK value; a 7-bit 0x50 is not 10-bit 0x050", () => {
    const bus = timedBus(TEN_BIT | 0x150);
    const t = bus.device(0x151).write(bytes(1));
    runToEnd(t);
    expect(t.output).toBe(I2cError.Nack);
    const u = bus.device(0x50, 100_000, false).write(bytes(1));
    runToEnd(u);
    expect(u.output).toBe(I2cError.Nack);
    const v = bus.device(0x50, 100_000, true).write(bytes(1));
    runToEnd(v);
    expect(v.output).toBe(I2cError.Nack, "10-bit 0x050 is not 0x150 either");
  });

  it("an address over 10 bits is refused by name", () => {
    sharedBus = timedBus(0x68);
    expect(() => { sharedBus!.device(0x400); }).toThrow();
  });
});

