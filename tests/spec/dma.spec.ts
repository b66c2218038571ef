// The DMA driver (drivers/dma.ts) against the fake host's module dma: what
// QEMU never shows, since its engine ends every copy within the write that
// starts it: a copy that waits (for the channel's interrupt, or the
// fallback timer), an engine error, a copy that never ends, a cancelled
// one, and the channels taken in turn.
import * as dma from "../../assembly/drivers/dma";
import { DmaError, Copy } from "../../assembly/drivers/dma";
import { fresh, trace, since, setReg, raiseIrq, dmaStatus } from "../../assembly/testing";
import { startKept, drain, tick } from "./run";
import { serviceEvents, ticksFromMillis } from "../../assembly/kernel/exec";

const DMA: u32 = 0x3f007000;      // a Pi 3's channels (the fake's board)
const CS_END: u32 = 1 << 1;

function bytes(n: i32): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = <u8>(i * 3);
  return b;
}

/** The channel a copy on the fake started (the last dma.start's). */
function started(text: string): u32 {
  const at = text.lastIndexOf("dma.start ");
  return at < 0 ? 99 : <u32>parseInt(text.substr(at + 10, 1));
}

describe("DMA copies", () => {
  it("a copy starts the host's transfer and ends when the fallback timer finds it ended", () => {
    fresh();
    const mark = trace().length;
    const t = startKept(new Copy(dma.channels()[0], new Uint8Array(4096), bytes(4096)));
    const ch = started(since(mark));
    expect(ch).toBe(2);                                    // QEMU's firmware leaves channels 2-5
    expect(t.f.isPending).toBe(true);
    const timers = dma.channels()[0].byTimer;
    dmaStatus(ch, 1);
    tick(ticksFromMillis(1));
    expect(t.f.isReady).toBe(true);
    expect(t.f.output).toBe(DmaError.None);
    expect(dma.channels()[0].byTimer - timers).toBe(1);
  });

  it("the channel's interrupt (16 + n) ends the wait, before the timer", () => {
    fresh();
    const channel = dma.channels()[1];
    const t = startKept(new Copy(channel, new Uint8Array(256), bytes(256)));
    expect(t.f.isPending).toBe(true);
    const irqs = channel.byInterrupt;
    dmaStatus(channel.n, 1);
    setReg(DMA + channel.n * 0x100, CS_END);
    raiseIrq(16 + channel.n);
    serviceEvents();
    drain();
    expect(t.f.isReady).toBe(true);
    expect(channel.byInterrupt - irqs).toBe(1);
  });

  it("an engine error is DmaError.Engine, with the DEBUG register's bits", () => {
    fresh();
    const channel = dma.channels()[2];
    const t = startKept(new Copy(channel, new Uint8Array(256), bytes(256)));
    dmaStatus(channel.n, 2 | (4 << 8));                    // a read error
    tick(ticksFromMillis(1));
    expect(t.f.output).toBe(DmaError.Engine);
    expect(t.f.why).toBe(4);
  });

  it("a copy that never ends is stopped at twice its time plus 10 ms: DmaError.Timeout", () => {
    fresh();
    const channel = dma.channels()[3];
    const t = startKept(new Copy(channel, new Uint8Array(256), bytes(256)));
    const mark = trace().length;
    for (let ms = 0; ms < 10; ms++) tick(ticksFromMillis(1));
    expect(t.f.isPending).toBe(true);
    tick(ticksFromMillis(1));
    expect(t.f.output).toBe(DmaError.Timeout);
    expect(since(mark).includes("dma.stop " + channel.n.toString())).toBe(true);
  });

  it("cancelled while it runs, a copy stops its channel before the buffers can go", () => {
    fresh();
    const channel = dma.channels()[0];
    const f = new Copy(channel, new Uint8Array(256), bytes(256));
    startKept(f);
    const mark = trace().length;
    f.cancel();
    expect(since(mark).includes("dma.stop " + channel.n.toString())).toBe(true);
    expect(channel.waiting).toBe(0);
  });

  it("copy() takes the channels in turn; a short destination and overlapping buffers are errors before any start", () => {
    fresh();
    const seen = new Array<u32>();
    for (let i = 0; i < 4; i++) {
      const mark = trace().length;
      const t = startKept(dma.copy(new Uint8Array(64), bytes(64)));
      const ch = started(since(mark));
      seen.push(ch);
      dmaStatus(ch, 1);
      tick(ticksFromMillis(1));
      expect(t.f.output).toBe(DmaError.None);
    }
    seen.sort();
    expect(seen.join(",")).toBe("2,3,4,5");
    const mark = trace().length;
    const short = startKept(dma.copy(new Uint8Array(8), bytes(64)));
    expect(short.f.output).toBe(DmaError.Length);
    const whole = bytes(512);
    const overlap = startKept(dma.copy(whole.subarray(8, 264), whole.subarray(0, 256)));
    expect(overlap.f.output).toBe(DmaError.Overlap);
    expect(since(mark).includes("dma.start")).toBe(false);
  });
});
