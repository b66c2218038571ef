// The one description of the boards: each SoC family (where its blocks
// are, their interrupts on each controller, the pull scheme, the pins) and
// each board model (its revision type, device tree, LED, QEMU machine).
// Everything else is made from it by tools/boards/gen.ts (make boards):
// the kernel's tables (assembly/board/generated.ts), the stub's
// (build/gen/boards.h), the tools' board list (tools/boards/index.ts), the SD
// card's trees (tools/card/sdcard.ts) and the tables of docs/boards.md. Adding a
// board or a block is an entry here, then its tests (docs/boards.md).
//
// Sources: BCM2835 ARM Peripherals (2012; the BCM2837's peripherals are the
// BCM2835's at another ARM address), BCM2711 ARM Peripherals (release 4,
// 2022), the BCM2836 ARM-local peripherals ("Quad-A7 control", QA7 rev 3.4),
// the Raspberry Pi documentation ("Raspberry Pi revision codes", "Mailbox
// property interface" in the firmware wiki), and the GIC-400 TRM.

/** An address range the kernel may reach through the mmio host calls (and the stub maps as Device memory). */
export interface Window { base: number; size: number; what: string }

/** An IP block: where its registers are (an offset from the peripheral base) and the datasheet section. */
export interface Block { offset: number; doc: string }

/**
 * A Broadcom Serial Controller (BSC), the SoC's I2C master: its number, its
 * registers, the pins the header reaches it on (SDA, SCL and their
 * alternate function, 0-5), and the bus QEMU attaches devices to (absent:
 * QEMU does not model this one).
 */
export interface I2cBus { n: number; offset: number; sda: number; scl: number; alt: number; qemuBus?: string; doc: string }

/**
 * An SPI master (the SPI0-style block: BCM2835 ARM Peripherals section 10):
 * its number, registers, pins (chip enables 0 and 1, MISO, MOSI, SCLK and
 * their alternate function) and QEMU's bus name (absent: not in QEMU).
 */
export interface SpiBus {
  n: number; offset: number; ce0: number; ce1: number; miso: number; mosi: number; sclk: number; alt: number;
  /** CE1's alternate function where it is not `alt` (the BCM2711's SPI3-6: ALT5). */
  ce1Alt?: number;
  qemuBus?: string; doc: string;
}

/**
 * A PWM block (BCM2835 ARM Peripherals section 9: two channels, PWEN1 and
 * PWEN2): its number, its registers, and what QEMU has at its address.
 */
export interface PwmBlock { n: number; offset: number; qemu: string; doc: string }

/**
 * A pin that carries a PWM channel: GPIO `pin` in alternate function `alt`
 * (0-5) is channel `channel` (1 or 2: the datasheet's numbering, PWEN1/PWEN2)
 * of PWM block `block`.
 */
export interface PwmPin { pin: number; block: number; channel: 1 | 2; alt: number }

export interface Soc {
  /** The kernel's Board value and the make BOARD name of the family. */
  board: "Pi3" | "Pi4";
  id: number;
  /** make BOARD=..., and the tools' name. */
  name: "pi3" | "pi4";
  family: string;
  soc: string;
  cpu: string;
  /** MIDR_EL1 bits 15:4, which the stub reads at boot to tell the SoCs apart. */
  midrPart: number;
  /** The processor field (bits 15:12) of a new-style revision code. */
  revisionProcessor: number;
  /** The SoC's peripherals as the ARM cores see them (bus 0x7E000000). */
  peripheralBase: number;
  /** Where RAM mapped as Normal memory must end at the latest (what lies above is the SoC's). */
  ramLimit: number;
  windows: Window[];
  blocks: {
    gpio: Block;
    uart0: Block;
    systimer: Block;
    /** The BCM2835-style ARM interrupt controller (the Pi 3's; on the Pi 4 only the legacy path). */
    armIrq: Block;
    mailbox: Block;
    /** The power manager: reset, power off, the watchdog (not in the datasheets: Linux's bcm2835_wdt.c and bcm2835-pm). */
    pm: Block;
    /** The hardware random number generator (not in the datasheets: Linux's bcm2835-rng.c, iproc-rng200.c). */
    rng: Block;
    /** The clock manager (CPRMAN): the general-purpose clocks, and the PWM clock the PWM blocks share (drivers/pwm.ts). */
    cm: Block;
  };
  /** The crystal oscillator, Hz: the clock manager's source 1 (SRC = 1), which the PWM clock is divided from. */
  oscillatorHz: number;
  /** Which RNG block the SoC has: the BCM2835's, or the RNG200 (drivers/rng.ts). */
  rngKind: "bcm2835" | "rng200";
  /** The SPI masters (drivers/spi.ts); SPI1/2 are the mini UART's auxiliaries, another block. */
  spi: SpiBus[];
  /** The I2C masters (drivers/i2c.ts): every BSC but the one the firmware keeps for HDMI (BSC2). */
  i2c: I2cBus[];
  /** The PWM blocks (drivers/pwm.ts), and the pins that carry their channels. */
  pwm: PwmBlock[];
  pwmPins: PwmPin[];
  /** The interrupt controller that peripheral interrupts reach the cores through. */
  irqController: "bcm2835" | "gic400";
  /** The BCM2836 per-core local controller (Pi 3): its base ("Quad-A7 control", QA7 rev 3.4). */
  localIntc?: number;
  /** The GIC-400's distributor and CPU interface (Pi 4). */
  gic?: { distributor: number; cpuInterface: number; spiBase: number; doc: string };
  gpio: { pins: number; pulls: "clocked" | "per-pin-field"; doc: string };
  /** The QEMU machines of the family; the first is make qemu's. */
  qemu: string[];
}

/**
 * Peripheral interrupt numbers, the VideoCore's 0-63: the same on both SoCs
 * (BCM2835 ARM Peripherals 7.5 table; BCM2711 ARM Peripherals 6.2.4, "VC
 * peripheral IRQs"). The GIC-400 sees number n as interrupt ID spiBase + n.
 */
export const IRQS: Record<string, { n: number; doc: string }> = {
  SYSTEM_TIMER_1: { n: 1, doc: "system timer compare 1" },
  SYSTEM_TIMER_3: { n: 3, doc: "system timer compare 3" },
  DMA_0: { n: 16, doc: "DMA channel 0; channel n (0-10) is DMA_0 + n, each its own line" },
  GPIO_BANK_0: { n: 49, doc: "gpio_int[0]: pins 0-27" },
  GPIO_BANK_1: { n: 50, doc: "gpio_int[1]: pins 28-45" },
  GPIO_BANK_2: { n: 51, doc: "gpio_int[2]: pins 46-53 (46-57 on a BCM2711)" },
  GPIO_ANY: { n: 52, doc: "gpio_int[3]: any pin of any bank" },
  I2C: { n: 53, doc: "i2c: every BSC master (one line for all)" },
  SPI: { n: 54, doc: "spi: the SPI masters (one line for all)" },
  UART0: { n: 57, doc: "the PL011 (UART0)" },
};

export const SOCS: Soc[] = [
  {
    board: "Pi3", id: 1, name: "pi3", family: "Raspberry Pi 3", soc: "BCM2837", cpu: "Cortex-A53", midrPart: 0xd03, revisionProcessor: 2,
    peripheralBase: 0x3f000000,
    ramLimit: 0x3f000000,
    windows: [
      { base: 0x3f000000, size: 0x01000000, what: "SoC peripherals" },
      { base: 0x40000000, size: 0x00040000, what: "BCM2836 local interrupt controller" },
    ],
    blocks: {
      gpio: { offset: 0x200000, doc: "BCM2835 ARM Peripherals 6.1" },
      uart0: { offset: 0x201000, doc: "BCM2835 ARM Peripherals 13.4" },
      systimer: { offset: 0x3000, doc: "BCM2835 ARM Peripherals 12.1" },
      armIrq: { offset: 0xb200, doc: "BCM2835 ARM Peripherals 7.5" },
      mailbox: { offset: 0xb880, doc: "firmware wiki, Mailboxes (offsets); Linux bcm283x.dtsi, mailbox@7e00b880" },
      pm: { offset: 0x100000, doc: "Linux bcm283x.dtsi, watchdog@7e100000 (the PM block; not in BCM2835 ARM Peripherals)" },
      rng: { offset: 0x104000, doc: "Linux bcm283x.dtsi, rng@7e104000 (brcm,bcm2835-rng; not in BCM2835 ARM Peripherals)" },
      cm: { offset: 0x101000, doc: "BCM2835 ARM Peripherals 6.3 (the GPIO clocks' CM_GPnCTL/DIV); CM_PWMCTL/DIV at +0xA0/+0xA4 only in the errata and Linux's clk-bcm2835.c" },
    },
    oscillatorHz: 19_200_000,
    rngKind: "bcm2835",
    spi: [
      { n: 0, offset: 0x204000, ce0: 8, ce1: 7, miso: 9, mosi: 10, sclk: 11, alt: 0, qemuBus: "spi", doc: "BCM2835 ARM Peripherals 10.5 (SPI0); pins 6.2 (GPIO 7-11, ALT0: header pins 24, 26, 21, 19, 23)" },
    ],
    i2c: [
      { n: 0, offset: 0x205000, sda: 0, scl: 1, alt: 0, qemuBus: "i2c-bus.0", doc: "BCM2835 ARM Peripherals 3.1-3.2 (BSC0); pins 6.2 (SDA0/SCL0 on GPIO 0/1, ALT0: the HAT EEPROM's)" },
      { n: 1, offset: 0x804000, sda: 2, scl: 3, alt: 0, qemuBus: "i2c-bus.1", doc: "BCM2835 ARM Peripherals 3.1-3.2 (BSC1); pins 6.2 (SDA1/SCL1 on GPIO 2/3, ALT0: header pins 3 and 5)" },
    ],
    pwm: [
      { n: 0, offset: 0x20c000, qemu: "plain memory (no model)", doc: "BCM2835 ARM Peripherals 9.6 (PWM, at 0x7E20C000)" },
    ],
    // BCM2835 ARM Peripherals 6.2, the alternate function table: PWM0 is channel 1, PWM1 channel 2.
    // (40 and 41 carry the 3.5 mm audio jack on the boards that have one; GPIO 52/53 ALT1 are left out.)
    pwmPins: [
      { pin: 12, block: 0, channel: 1, alt: 0 }, { pin: 18, block: 0, channel: 1, alt: 5 }, { pin: 40, block: 0, channel: 1, alt: 0 },
      { pin: 13, block: 0, channel: 2, alt: 0 }, { pin: 19, block: 0, channel: 2, alt: 5 }, { pin: 41, block: 0, channel: 2, alt: 0 },
      { pin: 45, block: 0, channel: 2, alt: 0 },
    ],
    irqController: "bcm2835",
    localIntc: 0x40000000,
    gpio: { pins: 54, pulls: "clocked", doc: "GPPUD + GPPUDCLK0/1, BCM2835 ARM Peripherals 6.1" },
    qemu: ["raspi3b", "raspi3ap"],
  },
  {
    board: "Pi4", id: 2, name: "pi4", family: "Raspberry Pi 4", soc: "BCM2711", cpu: "Cortex-A72", midrPart: 0xd08, revisionProcessor: 3,
    peripheralBase: 0xfe000000,
    // Low-peripheral mode: the SoC's registers start at 0xFC000000 (BCM2711 ARM Peripherals 1.2.3, "ARM physical addresses").
    ramLimit: 0xfc000000,
    windows: [
      { base: 0xfe000000, size: 0x01800000, what: "SoC peripherals" },
      { base: 0xff800000, size: 0x00050000, what: "ARM local block and GIC-400" },   // BCM2711 ARM Peripherals 6.5.2, 6.5.1
    ],
    blocks: {
      gpio: { offset: 0x200000, doc: "BCM2711 ARM Peripherals 5.2" },
      uart0: { offset: 0x201000, doc: "BCM2711 ARM Peripherals 11.5" },
      systimer: { offset: 0x3000, doc: "BCM2711 ARM Peripherals 10.2" },
      // (ARMC: its layout differs from the BCM2835's; the kernel uses it only where irqController is bcm2835)
      armIrq: { offset: 0xb200, doc: "BCM2711 ARM Peripherals 6.5.3 ARMC, IRQ0 at +0x200 (legacy; unused here)" },
      mailbox: { offset: 0xb880, doc: "firmware wiki, Mailboxes (offsets); Linux bcm283x.dtsi, mailbox@7e00b880" },
      pm: { offset: 0x100000, doc: "Linux bcm2711.dtsi / bcm283x.dtsi, watchdog@7e100000 (the PM block; not in BCM2711 ARM Peripherals)" },
      rng: { offset: 0x104000, doc: "Linux bcm2711.dtsi, rng@7e104000 (brcm,bcm2711-rng200: iproc-rng200; absent from QEMU)" },
      cm: { offset: 0x101000, doc: "BCM2711 ARM Peripherals 5.4 (the GPIO clocks' CM_GPnCTL/DIV); CM_PWMCTL/DIV at +0xA0/+0xA4 only in Linux's clk-bcm2835.c" },
    },
    oscillatorHz: 54_000_000,
    rngKind: "rng200",
    spi: [
      { n: 0, offset: 0x204000, ce0: 8, ce1: 7, miso: 9, mosi: 10, sclk: 11, alt: 0, qemuBus: "spi", doc: "BCM2711 ARM Peripherals 9.5 (SPI0); pins 5.3 (GPIO 7-11, ALT0: header pins 24, 26, 21, 19, 23)" },
      // SPI3-6: the same block as SPI0 (9.5 lists their bases); their pins are ALT3 (CE0, MISO,
      // MOSI, SCLK) and CE1 ALT5, in 5.3's alternate function table. Not in QEMU: on paper only.
      { n: 3, offset: 0x204600, ce0: 0, ce1: 24, miso: 1, mosi: 2, sclk: 3, alt: 3, ce1Alt: 5, doc: "BCM2711 ARM Peripherals 9.5 (SPI3); pins 5.3 (GPIO 0-3 ALT3, CE1 on GPIO 24 ALT5); not in QEMU" },
      { n: 4, offset: 0x204800, ce0: 4, ce1: 25, miso: 5, mosi: 6, sclk: 7, alt: 3, ce1Alt: 5, doc: "BCM2711 ARM Peripherals 9.5 (SPI4); pins 5.3 (GPIO 4-7 ALT3, CE1 on GPIO 25 ALT5); not in QEMU" },
      { n: 5, offset: 0x204a00, ce0: 12, ce1: 26, miso: 13, mosi: 14, sclk: 15, alt: 3, ce1Alt: 5, doc: "BCM2711 ARM Peripherals 9.5 (SPI5); pins 5.3 (GPIO 12-15 ALT3, CE1 on GPIO 26 ALT5); not in QEMU" },
      { n: 6, offset: 0x204c00, ce0: 18, ce1: 27, miso: 19, mosi: 20, sclk: 21, alt: 3, ce1Alt: 5, doc: "BCM2711 ARM Peripherals 9.5 (SPI6); pins 5.3 (GPIO 18-21 ALT3, CE1 on GPIO 27 ALT5); not in QEMU" },
    ],
    i2c: [
      { n: 0, offset: 0x205000, sda: 0, scl: 1, alt: 0, qemuBus: "i2c-bus.0", doc: "BCM2711 ARM Peripherals 3.1-3.2 (BSC0); pins 5.3 (GPIO 0/1, ALT0)" },
      { n: 1, offset: 0x804000, sda: 2, scl: 3, alt: 0, qemuBus: "i2c-bus.1", doc: "BCM2711 ARM Peripherals 3.1-3.2 (BSC1); pins 5.3 (GPIO 2/3, ALT0: header pins 3 and 5)" },
      { n: 3, offset: 0x205600, sda: 4, scl: 5, alt: 5, doc: "BCM2711 ARM Peripherals 3.2 (BSC3); pins 5.3 (SDA3/SCL3 on GPIO 4/5, ALT5); not in QEMU" },
      { n: 4, offset: 0x205800, sda: 8, scl: 9, alt: 5, doc: "BCM2711 ARM Peripherals 3.2 (BSC4); pins 5.3 (SDA4/SCL4 on GPIO 8/9, ALT5); not in QEMU" },
      { n: 5, offset: 0x205a00, sda: 12, scl: 13, alt: 5, doc: "BCM2711 ARM Peripherals 3.2 (BSC5); pins 5.3 (SDA5/SCL5 on GPIO 12/13, ALT5); not in QEMU" },
      { n: 6, offset: 0x205c00, sda: 22, scl: 23, alt: 5, doc: "BCM2711 ARM Peripherals 3.2 (BSC6); pins 5.3 (SDA6/SCL6 on GPIO 22/23, ALT5); not in QEMU" },
    ],
    pwm: [
      { n: 0, offset: 0x20c000, qemu: "absent (an access aborts)", doc: "BCM2711 ARM Peripherals 8.6 (PWM0, at 0x7E20C000)" },
      { n: 1, offset: 0x20c800, qemu: "absent (an access aborts)", doc: "BCM2711 ARM Peripherals 8.6 (PWM1, at 0x7E20C800)" },
    ],
    // BCM2711 ARM Peripherals 5.3, the alternate function table (PWM0_0/PWM0_1, PWM1_0/PWM1_1), as Linux's
    // bcm2711.dtsi groups them. 40 and 41 carry the audio jack. (GPIO 52/53 ALT1 are left out.)
    pwmPins: [
      { pin: 12, block: 0, channel: 1, alt: 0 }, { pin: 18, block: 0, channel: 1, alt: 5 },
      { pin: 13, block: 0, channel: 2, alt: 0 }, { pin: 19, block: 0, channel: 2, alt: 5 }, { pin: 45, block: 0, channel: 2, alt: 0 },
      { pin: 40, block: 1, channel: 1, alt: 0 }, { pin: 41, block: 1, channel: 2, alt: 0 },
    ],
    irqController: "gic400",
    gic: { distributor: 0xff841000, cpuInterface: 0xff842000, spiBase: 96, doc: "BCM2711 ARM Peripherals 6.3 (VC peripheral IRQs from SPI 96, figure 7) and 6.5.1 (at 0xFF840000: GICD +0x1000, GICC +0x2000); GIC-400 TRM 3.1" },
    gpio: { pins: 58, pulls: "per-pin-field", doc: "GPIO_PUP_PDN_CNTRL_REG0-3, BCM2711 ARM Peripherals 5.2" },
    qemu: ["raspi4b"],
  },
];

/** How a model's green activity (ACT) LED is driven (docs/drivers/led.md has each one's source). */
export type Led =
  | { kind: "expander"; pin: number; doc: string }
  | { kind: "pin-high" | "pin-low"; pin: number; doc: string }
  | { kind: "none"; doc: string };

export interface Model {
  name: string;
  /** Bits 11:4 of a new-style revision code. */
  revisionType: number;
  /** The SoC family (Soc.name), or null for a model we name but do not run on. */
  family: "pi3" | "pi4" | null;
  chip?: string;
  /** The trees the firmware loads for it, each boot/dts/<name>.dts; the first is its own. */
  dtbs: string[];
  led?: Led;
  note?: string;
}

export const MODELS: Model[] = [
  { name: "Raspberry Pi 3 Model B", revisionType: 0x08, family: "pi3", chip: "BCM2837", dtbs: ["bcm2710-rpi-3-b"],
    led: { kind: "expander", pin: 130, doc: "firmware GPIO expander pin 130, active high (mailbox tag 0x00038041)" } },
  { name: "Compute Module 3", revisionType: 0x0a, family: "pi3", dtbs: [], led: { kind: "none", doc: "none known" } },
  { name: "Raspberry Pi 3 Model B+", revisionType: 0x0d, family: "pi3", chip: "BCM2837B0", dtbs: ["bcm2710-rpi-3-b-plus"],
    led: { kind: "pin-high", pin: 29, doc: "SoC GPIO 29, active high (expander pin 130 is the red power LED, active low)" } },
  { name: "Raspberry Pi 3 Model A+", revisionType: 0x0e, family: "pi3", chip: "BCM2837B0", dtbs: ["bcm2710-rpi-3-a-plus"],
    led: { kind: "pin-high", pin: 29, doc: "SoC GPIO 29, active high" },
    note: "the firmware asks for its tree first, then falls back to the 3 B+ tree" },
  { name: "Compute Module 3+", revisionType: 0x10, family: "pi3", dtbs: [], led: { kind: "none", doc: "none known" } },
  { name: "Raspberry Pi 4 Model B", revisionType: 0x11, family: "pi4", chip: "BCM2711", dtbs: ["bcm2711-rpi-4-b"],
    led: { kind: "pin-high", pin: 42, doc: "SoC GPIO 42, active high" } },
  { name: "Raspberry Pi Zero 2 W", revisionType: 0x12, family: "pi3", chip: "BCM2710A1 (RP3A0)", dtbs: ["bcm2710-rpi-zero-2-w", "bcm2710-rpi-zero-2"],
    led: { kind: "pin-low", pin: 29, doc: "SoC GPIO 29, active low" },
    note: "the firmware's name table has both trees" },
  { name: "Raspberry Pi 400", revisionType: 0x13, family: "pi4", chip: "BCM2711", dtbs: ["bcm2711-rpi-400"],
    led: { kind: "none", doc: "none: GPIO 42 drives its power LED" } },
  { name: "Compute Module 4", revisionType: 0x14, family: "pi4", chip: "BCM2711", dtbs: ["bcm2711-rpi-cm4"],
    led: { kind: "pin-high", pin: 42, doc: "SoC GPIO 42, active high (the module's LED signal)" } },
  { name: "Compute Module 4S", revisionType: 0x15, family: "pi4", dtbs: [] },
  { name: "Raspberry Pi 5", revisionType: 0x17, family: null, dtbs: [], note: "BCM2712: out of scope (docs/boards.md)" },
];

/** With no revision code (the mailbox did not answer) the SoC decides: its usual ACT LED. */
export const DEFAULT_LED: Record<"pi3" | "pi4", Led> = {
  pi3: { kind: "expander", pin: 130, doc: "as a Pi 3 Model B" },
  pi4: { kind: "pin-high", pin: 42, doc: "as a Pi 4 Model B" },
};

/** Every tree the SD card carries (boot/dts/<name>.dts, in the order of MODELS). */
export function cardTrees(): string[] {
  return MODELS.flatMap((m) => m.dtbs);
}
