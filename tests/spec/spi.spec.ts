// The SPI driver (drivers/spi.ts) against the fake host: the register
// sequence of a full-duplex transfer with a GPIO chip select, and the two
// ways a waiting transfer is woken (QEMU finishes every transfer within the
// poll that starts it, so only here do the waits run).
import * as spi from "../../assembly/drivers/spi";
import { SpiError } from "../../assembly/drivers/spi";
import { spawnOn, serviceEvents, ticksFromMillis } from "../../assembly/kernel/exec";
import * as gpio from "../../assembly/drivers/gpio";
import { Board } from "../../assembly/board";
import { trace, since, machine, setReg, getReg, raiseIrq, autoAdvance } from "../../assembly/testing";
import { startKept, drain, tick } from "./run";

const SPI0: u32 = 0x3f204000;


function count(text: string, what: string): i32 { return text.split(what).length - 1; }

describe("SPI0", () => {
  it("writeRead under a GPIO chip select: CLK, both FIFOs cleared, CS low, TA with INTD and INTR, 4 bytes out, 4 in (the first 1 dropped), TA off, CS high", () => {
    machine(Board.Pi3);
    if (gpio.isClaimed(8)) gpio.release(8);
    const master = spi.open(0, 0);
    master.coreHz = 250_000_000;
    autoAdvance(100);                                   // the Pi 3's pull sequence waits on the generic timer
    const dev = master.device(0, 10_000_000, 0, 8);
    autoAdvance(0);
    const into = new Uint8Array(3);
    const cmd = new Uint8Array(1); cmd[0] = 0x9f;
    const mark = trace().length;
    const t = startKept(new spi.SpiTransfer(dev, cmd, into, 1, 4));
    // (the fake's CS holds what was written last: the block's status comes now, with its interrupt)
    setReg(SPI0 + spi.CS, spi.CS_TA | spi.CS_TXD | spi.CS_RXD | spi.CS_DONE);
    raiseIrq(54);
    serviceEvents();
    drain();
    const s = since(mark);
    expect(t.f.output).toBe(SpiError.None);
    expect(s.includes("mmio.write32 0x3f204008 0x1a")).toBe(true);            // CLK: 250 MHz / 26 (even, at most 10 MHz)
    expect(s.includes("mmio.write32 0x3f204000 0x30\nmmio.write32 0x3f200028 0x100\nmmio.write32 0x3f204000 0x680")).toBe(true);
    expect(s.includes("mmio.write32 0x3f204004 0x9f")).toBe(true);            // the command, then zeros
    expect(count(s, "mmio.write32 0x3f204004 ")).toBe(4);
    expect(count(s, "mmio.read32 0x3f204004 ")).toBe(4);
    expect(s.endsWith("mmio.write32 0x3f204000 0x30\nmmio.write32 0x3f20001c 0x100")).toBe(true);   // TA off, then CS high (GPSET0)
  });

  it("a transfer the FIFO cannot take yet waits: the SPI interrupt wakes it", () => {
    machine(Board.Pi3);
    const master = spi.open(0, 0);
    const dev = master.device(3, 1_000_000, 1);
    setReg(SPI0 + spi.CS, spi.CS_TA);                                   // no room: nothing moves
    const irqs = master.byInterrupt;
    const t = startKept(new spi.SpiTransfer(dev, null, new Uint8Array(2), 0, 2));
    expect(t.f.isPending).toBe(true);
    expect(master.waiting).not.toBe(0);
    setReg(SPI0 + spi.CS, spi.CS_TXD | spi.CS_RXD | spi.CS_DONE);
    raiseIrq(54);
    serviceEvents();
    drain();
    expect(t.f.output).toBe(SpiError.None);
    expect(master.byInterrupt - irqs).toBe(1);
  });

  it("without the interrupt (QEMU's raspi4b) the fallback timer ends the wait after a millisecond; a transfer that never ends gives Timeout", () => {
    machine(Board.Pi4);
    const master = spi.open(0, 0);
    const dev = master.device(0, 1_000_000, 0);
    setReg(0xfe204000, spi.CS_TA);
    const timers = master.byTimer;
    const t = startKept(new spi.SpiTransfer(dev, null, new Uint8Array(1), 0, 1));
    tick(ticksFromMillis(1) - 1);
    expect(t.f.isPending).toBe(true);
    setReg(0xfe204000, spi.CS_TXD | spi.CS_RXD | spi.CS_DONE);
    tick(1);
    expect(t.f.output).toBe(SpiError.None);
    expect(master.byTimer - timers).toBe(1);
    setReg(0xfe204000, spi.CS_TA);
    const stuck = startKept(new spi.SpiTransfer(dev, null, new Uint8Array(1), 0, 1));
    for (let ms = 0; ms < 12; ms++) tick(ticksFromMillis(1));
    expect(stuck.f.output).toBe(SpiError.Timeout);
  });

  it("the Pi 4's SPI3 (on paper: QEMU lacks it): its registers, GPIO 0-3 in ALT3 and CE1 on GPIO 24 in ALT5", () => {
    machine(Board.Pi4);
    const m = spi.open(3);
    expect(m.base).toBe(0xfe204600);
    const GPFSEL0: u32 = 0xfe200000, GPFSEL2: u32 = 0xfe200008;
    expect(getReg(GPFSEL0) & 0xfff).toBe(0b111_111_111_111);            // GPIO 0-3: ALT3 (0b111)
    expect((getReg(GPFSEL2) >> 12) & 7).toBe(0b010);                    // GPIO 24: ALT5 (0b010)
  });

  it("where the engine ignores DREQ (QEMU: dma.paced() 0) a long transfer goes through the FIFO", () => {
    machine(Board.Pi3);
    const master = spi.open(0, 0);
    const dev = master.device(0, 10_000_000, 0);
    const before = master.dmaTransfers;
    const mark = trace().length;
    const t = startKept(dev.write(new Uint8Array(256)));
    for (let ms = 0; ms < 10 && !t.f.isReady; ms++) {
      setReg(SPI0 + spi.CS, spi.CS_TXD | spi.CS_RXD | spi.CS_DONE);   // the FIFO always has room and a byte (the driver's CS writes overwrite the fake's register)
      tick(ticksFromMillis(1));
    }
    expect(t.f.output).toBe(SpiError.None);
    const text = since(mark);
    expect(text.includes("dma.spi")).toBe(false);
    expect(count(text, "mmio.write32 0x3f204004 ")).toBe(256);
    expect(master.dmaTransfers).toBe(before);
  });
});
