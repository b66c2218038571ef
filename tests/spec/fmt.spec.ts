import { digitAt, digitCount, sizeUnit, sizeValue } from "../../assembly/arch/fmt";
import { printI64, printHex, printU64, println } from "../../assembly/arch/console";
import { machine, trace, since } from "../../assembly/testing";
import { Board } from "../../assembly/board";

function format(n: u64, radix: u32): string {
  let s = "";
  const count = digitCount(n, radix);
  for (let i: u32 = 0; i < count; i++) s += String.fromCharCode(digitAt(n, radix, count - 1 - i));
  return s;
}

describe("digits", () => {
  it("formats zero as one digit", () => {
    expect(digitCount(0, 10)).toBe(1);
    expect(format(0, 10)).toBe("0");
  });
  it("formats decimal and hex like toString", () => {
    expect(format(62500000, 10)).toBe("62500000");
    expect(format(0xdeadbeef, 16)).toBe("deadbeef");
    expect(format(5, 2)).toBe("101");
  });
  it("handles the largest u64", () => {
    expect(format(u64.MAX_VALUE, 10)).toBe("18446744073709551615");
    expect(format(u64.MAX_VALUE, 16)).toBe("ffffffffffffffff");
  });
  it("counts digits at the boundaries", () => {
    expect(digitCount(9, 10)).toBe(1);
    expect(digitCount(10, 10)).toBe(2);
    expect(digitCount(255, 16)).toBe(2);
    expect(digitCount(256, 16)).toBe(3);
  });
});

describe("sizes", () => {
  it("picks the largest exact unit", () => {
    expect(sizeUnit(1 << 30)).toBe("GiB");
    expect(sizeValue(1 << 30)).toBe(1);
    expect(sizeUnit(3 << 20)).toBe("MiB");
    expect(sizeValue(3 << 20)).toBe(3);
    expect(sizeUnit((1 << 30) + (1 << 20))).toBe("MiB");
    expect(sizeValue((1 << 30) + (1 << 20))).toBe(1025);
    expect(sizeUnit(1000)).toBe("bytes");
  });
});

describe("console numbers (arch/console.ts, exported by tspi)", () => {
  it("prints signed numbers, the most negative i64 included, and hex with its prefix", () => {
    machine(Board.Pi3);
    const mark = trace().length;
    printI64(-42); println(""); printI64(0); println(""); printI64(i64.MIN_VALUE); println(""); printI64(i64.MAX_VALUE); println("");
    printHex(0xbeef); println(""); printU64(255, 2); println("");
    expect(since(mark)).toBe("console: -42\nconsole: 0\nconsole: -9223372036854775808\nconsole: 9223372036854775807\nconsole: 0xbeef\nconsole: 11111111");
  });
});
