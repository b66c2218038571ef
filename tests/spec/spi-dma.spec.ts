// SPI0's DMA path (drivers/spi.ts SpiDmaTransfer) against the fake host,
// which answers dma.paced() as a board does here: QEMU's DMA ignores DREQ
// and its SPI has no DMA mode, so nothing but this file runs the path the
// driver takes on a board. The register sequence (DLEN, then TA with DMAEN),
// the host's call with the buffers as the driver passes them, the end on the
// RX channel's interrupt, the block back in FIFO mode, which transfers do
// not fit the path, an engine error, a transfer that never ends, and the
// channels the copies keep. (spi.spec.ts: with dma.paced() 0, a long
// transfer goes through the FIFO.)
import * as spi from "../../assembly/drivers/spi";
import * as dma from "../../assembly/drivers/dma";
import { SpiError } from "../../assembly/drivers/spi";
import { Future, serviceEvents, ticksFromMillis } from "../../assembly/kernel/exec";
import { Board } from "../../assembly/board";
import { trace, since, machine, setReg, raiseIrq, dmaPaced, dmaStatus } from "../../assembly/testing";
import { startKept, drain, tick } from "./run";

const SPI0: u32 = 0x3f204000;
// The channels SPI0 reserves: the two highest of QEMU's 2-5 (the fake's mask).
const TX: u32 = 4, RX: u32 = 5;

function hex(v: usize): string { return "0x" + v.toString(16); }

/** A Pi 3 whose host paces DMA as a board's does, SPI0 open. */
function master(): spi.Spi {
  machine(Board.Pi3);
  dmaPaced(true);
  const m = spi.open(0, 0);
  m.coreHz = 250_000_000;
  return m;
}

/** The RX channel's transfer ends (the host's status, the channel's CS.END that the interrupt's bottom half looks at), and its interrupt comes. */
function rxEnds(status: u32 = 1): void {
  dmaStatus(RX, status);
  setReg(0x3f007000 + RX * 0x100, 1 << 1);
  raiseIrq(16 + RX);
  serviceEvents();
  drain();
}

function count(text: string, what: string): i32 { return text.split(what).length - 1; }

/** Runs a FIFO transfer to its end: the block always has room and a byte (the driver's CS writes overwrite the fake's register, so it is set again each millisecond). */
function throughFifo<T extends Future>(f: T): T {
  const t = startKept(f);
  for (let ms = 0; ms < 20 && !t.f.isReady; ms++) {
    setReg(SPI0 + spi.CS, spi.CS_TXD | spi.CS_RXD | spi.CS_DONE);
    tick(ticksFromMillis(1));
  }
  expect(t.f.isReady).toBe(true, "the transfer ends");
  return f;
}

describe("SPI0 by DMA (the board's path; verified against the fake host only)", () => {
  it("a 256-byte write: DLEN, TA with DMAEN, the host's two channels; the RX channel's end ends it, the block back in FIFO mode", () => {
    const m = master();
    const dev = m.device(0, 10_000_000, 0);
    const data = new Uint8Array(256);
    expect(data.dataStart & 3).toBe(0);
    const before = m.dmaTransfers;
    const mark = trace().length;
    const t = startKept(dev.write(data));
    const start = since(mark);
    expect(start.includes("mmio.write32 0x3f20400c 0x100\nmmio.write32 0x3f204000 0x180")).toBe(true);   // DLEN 256, then CS: TA, DMAEN (CE0, mode 0)
    expect(start.includes("dma.spi 4 5 0 " + hex(data.dataStart) + " 256 0x0 0 256")).toBe(true);
    expect(count(start, "mmio.write32 0x3f204004 ")).toBe(0);                                        // nothing through the FIFO by the core
    expect(t.f.isPending).toBe(true);
    const mark2 = trace().length;
    rxEnds();
    expect(t.f.isReady).toBe(true);
    expect(t.f.output).toBe(SpiError.None);
    const end = since(mark2);
    expect(end.includes("mmio.write32 0x3f204000 0x10030\nmmio.write32 0x3f20400c 0x0")).toBe(true);   // DONE and both FIFOs cleared, TA and DMAEN off; DLEN 0
    expect(m.dmaTransfers - before).toBe(1);
    expect(dma.channels()[0].byInterrupt + m.byInterrupt).toBe(0);                                      // the copies' channels and SPI's own line: not used
  });

  it("a flash read (a 4-byte command, 200 bytes back) is one DMA transfer: the command's words sent, as many dropped", () => {
    const m = master();
    const dev = m.device(0, 10_000_000, 0);
    const cmd = new Uint8Array(4);
    cmd[0] = 0x03;
    const into = new Uint8Array(200);
    const mark = trace().length;
    const t = startKept(dev.writeRead(cmd, into));
    expect(since(mark).includes("dma.spi 4 5 0 " + hex(cmd.dataStart) + " 4 " + hex(into.dataStart) + " 4 204")).toBe(true);
    rxEnds();
    expect(t.f.output).toBe(SpiError.None);
  });

  it("what does not fit goes through the FIFO: a short transfer, a 5-byte command, a buffer off a word boundary", () => {
    const m = master();
    const dev = m.device(0, 10_000_000, 0);
    const before = m.dmaTransfers;
    const mark = trace().length;
    expect(throughFifo(dev.write(new Uint8Array(95))).output).toBe(SpiError.None);
    const cmd = new Uint8Array(5);
    expect(throughFifo(dev.writeRead(cmd, new Uint8Array(200))).output).toBe(SpiError.None);
    const buf = new Uint8Array(300);
    expect(throughFifo(dev.read(buf.subarray(1))).output).toBe(SpiError.None);
    expect(since(mark).includes("dma.spi")).toBe(false);
    expect(m.dmaTransfers).toBe(before);
  });

  it("an engine error is SpiError.Dma; a transfer that never ends stops both channels and gives Timeout", () => {
    const m = master();
    const dev = m.device(0, 10_000_000, 0);
    const t = startKept(dev.read(new Uint8Array(128)));
    rxEnds(2 | (4 << 8));                                                // a read error
    expect(t.f.isReady).toBe(true);
    expect(t.f.output).toBe(SpiError.Dma);
    const mark = trace().length;
    const u = startKept(dev.read(new Uint8Array(128)));
    for (let ms = 0; ms < 11; ms++) tick(ticksFromMillis(1));
    expect(u.f.isReady).toBe(true);
    expect(u.f.output).toBe(SpiError.Timeout);
    expect(since(mark).includes("dma.stop 5")).toBe(true);
  });

  it("the copies keep the other channels", () => {
    master();
    const list = dma.channels();
    expect(list.length).toBe(2);
    expect(list[0].n).toBe(2);
    expect(list[1].n).toBe(3);
  });
});
