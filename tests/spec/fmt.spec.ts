import { digitAt, digitCount, sizeUnit, sizeValue } from "../../assembly/kernel/fmt";

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
