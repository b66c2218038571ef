// The random number generators (drivers/rng.ts) against the fake host: the
// BCM2835's start-up and reads (Pi 3), the RNG200's (Pi 4, which QEMU lacks:
// only here is its path run), and the probe that finds no block.
import * as rng from "../../assembly/drivers/rng";
import { Board } from "../../assembly/board";
import { trace, since, machine, setReg, refuse, advance } from "../../assembly/testing";

describe("hardware RNG", () => {
  it("Pi 3 (BCM2835 RNG): warm-up count, interrupt masked, enabled; a word once STATUS says one is ready", () => {
    machine(Board.Pi3);
    rng.forget();
    const mark = trace().length;
    expect(rng.available()).toBe(true);
    expect(since(mark)).toBe(
      "mmio.write32 0x3f104004 0x40000\nmmio.read32 0x3f104010 -> 0x0\nmmio.write32 0x3f104010 0x1\nmmio.write32 0x3f104000 0x1",
    );
    setReg(0x3f104004, 0x01000000);                   // one word ready
    setReg(0x3f104008, 0xcafe1234);
    expect(rng.next()).toBe(0xcafe1234);
  });

  it("Pi 4 (RNG200): probed, then RBGEN set with CTRL's other bits kept; words from FIFO_DATA when FIFO_COUNT says so", () => {
    machine(Board.Pi4);
    rng.forget();
    setReg(0xfe104000, 0x00ff0000);
    const mark = trace().length;
    expect(rng.available()).toBe(true);
    expect(since(mark)).toBe(
      "mmio.probe32 0xfe104000 -> 0xff0000\nmmio.read32 0xfe104000 -> 0xff0000\nmmio.write32 0xfe104000 0xff0001",
    );
    setReg(0xfe104024, 2);
    setReg(0xfe104020, 0x600dd00d);
    expect(rng.next()).toBe(0x600dd00d);
  });

  it("Pi 4 under QEMU: the probe is refused, so there is no generator, and nothing else is touched", () => {
    machine(Board.Pi4);
    rng.forget();
    refuse(0xfe104000);
    const mark = trace().length;
    expect(rng.available()).toBe(false);
    expect(since(mark)).toBe("mmio.probe32 0xfe104000 -> refused");
    expect(rng.available()).toBe(false);               // decided once
    expect(() => { rng.next(); }).toThrow();
  });

  it("Math.random's seed mixes the counters in without a generator, and the generator's words with one", () => {
    machine(Board.Pi4);
    rng.forget();
    refuse(0xfe104000);
    const a = reinterpret<u64>(rng.kernelSeed());
    advance(1);
    const b = reinterpret<u64>(rng.kernelSeed());
    expect(a).not.toBe(0);
    expect(b).not.toBe(a);                             // one tick of the counter changes it
    machine(Board.Pi3);
    rng.forget();
    rng.available();                                   // started (STATUS gets the warm-up count)
    setReg(0x3f104004, 0x01000000);                   // then a word is ready
    setReg(0x3f104008, 0x12345678);
    const c = reinterpret<u64>(rng.kernelSeed());
    setReg(0x3f104008, 0x9abcdef0);
    const d = reinterpret<u64>(rng.kernelSeed());
    expect(c).not.toBe(d);                             // the generator's words change it at the same counters
  });
});
