// The 40-pin header of the Raspberry Pi 3 and 4 (the same on both: the
// Raspberry Pi documentation, "GPIO and the 40-pin header"): what each
// physical pin is, by its number (1-40; odd pins are the inner row).
export type HeaderPin = { kind: "3v3" | "5v" | "gnd" } | { kind: "gpio"; gpio: number; also?: string };

const g = (gpio: number, also?: string): HeaderPin => ({ kind: "gpio", gpio, also });
const V3: HeaderPin = { kind: "3v3" }, V5: HeaderPin = { kind: "5v" }, GND: HeaderPin = { kind: "gnd" };

/** Index 0 is physical pin 1. */
export const HEADER: HeaderPin[] = [
  V3, V5,
  g(2, "SDA1"), V5,
  g(3, "SCL1"), GND,
  g(4), g(14, "TXD0"),
  GND, g(15, "RXD0"),
  g(17), g(18, "PWM0"),
  g(27), GND,
  g(22), g(23),
  V3, g(24),
  g(10, "MOSI"), GND,
  g(9, "MISO"), g(25),
  g(11, "SCLK"), g(8, "CE0"),
  GND, g(7, "CE1"),
  g(0, "ID_SD"), g(1, "ID_SC"),
  g(5), GND,
  g(6), g(12, "PWM0"),
  g(13, "PWM1"), GND,
  g(19, "PWM1"), g(16),
  g(26), g(20),
  GND, g(21),
];
