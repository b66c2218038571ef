// The interrupt controllers, the UART's baud divisors and configuration,
// the interrupt dispatch and the mailbox, against the recording fake host
// (tools/testing/fake-host.ts): exact register sequences on both boards.
import * as irqctl from "../../assembly/drivers/irq";
import * as uart from "../../assembly/drivers/uart";
import * as mailbox from "../../assembly/drivers/mailbox";
import { Tag, Clock } from "../../assembly/drivers/mailbox";
import { IrqHandler, onIrq, offIrq, unhandledIrqs } from "../../assembly/kernel/irq";
import { serviceEvents } from "../../assembly/kernel/exec";
import { Board } from "../../assembly/board";
import { trace, machine, setReg, raiseIrq, setProperty } from "../../assembly/testing";


function fresh(board: Board): void { machine(board); }

describe("interrupt controllers", () => {
  it("Pi 3: enable routes the GPU interrupts to the core (local controller) and sets the bit in enable 2", () => {
    fresh(Board.Pi3);
    irqctl.enable(57, 1);
    irqctl.unmask(57);
    irqctl.disable(57);
    irqctl.enable(3, 0);                         // system timer 3: enable 1
    expect(trace()).toBe(
      "mmio.write32 0x4000000c 0x1\nmmio.write32 0x3f00b214 0x2000000\n" +
      "mmio.write32 0x3f00b214 0x2000000\n" +
      "mmio.write32 0x3f00b220 0x2000000\n" +
      "mmio.write32 0x4000000c 0x0\nmmio.write32 0x3f00b210 0x8",
    );
  });

  it("Pi 4: SPI 96 + n: priority byte, target byte for the core, set-enable bit", () => {
    fresh(Board.Pi4);
    setReg(0xff841498, 0x11223344);              // IPRIORITYR of SPIs 152-155: keep the others' bytes
    irqctl.enable(57, 1);                        // SPI 153
    irqctl.disable(57);
    expect(trace()).toBe(
      "mmio.read32 0xff841498 -> 0x11223344\nmmio.write32 0xff841498 0x1122a044\n" +
      "mmio.read32 0xff841898 -> 0x0\nmmio.write32 0xff841898 0x200\n" +
      "mmio.write32 0xff841110 0x2000000\n" +
      "mmio.write32 0xff841190 0x2000000",
    );
  });
});

class Counting extends IrqHandler {
  sources: u32 = 0;
  calls: i32 = 0;
  handle(source: u32): void { this.sources |= 1 << (source - 32); this.calls++; }
}

describe("interrupt dispatch", () => {
  it("an interrupt the top half took reaches the handler registered for it, once", () => {
    fresh(Board.Pi3);
    const h = new Counting();
    onIrq(57, h);
    onIrq(49, h);
    raiseIrq(57);
    raiseIrq(49);
    serviceEvents();
    serviceEvents();                            // nothing new: no second call
    expect(h.calls).toBe(2);
    expect(h.sources).toBe((1 << 25) | (1 << 17));
    offIrq(57);
    offIrq(49);
  });

  it("an interrupt with no handler is counted, not lost silently", () => {
    fresh(Board.Pi3);
    const before = unhandledIrqs();
    raiseIrq(50);
    serviceEvents();
    expect(unhandledIrqs()).toBe(before + 1);
  });
});

describe("UART", () => {
  it("divisors: integer part in IBRD, the fraction in 64ths (rounded) in FBRD", () => {
    expect(uart.divisors(48_000_000, 115200)).toBe((26 << 6) | 3);      // 26.0417
    expect(uart.divisors(3_000_000, 115200)).toBe((1 << 6) | 40);       // 1.6276 (QEMU's UART clock)
    expect(uart.divisors(48_000_000, 9600)).toBe((312 << 6) | 32);      // 312.5
    expect(uart.divisors(500_000_000, 115200)).toBe((271 << 6) | 17);   // 271.2674
  });

  it("divisors refuse a rate the clock cannot reach", () => {
    expect(uart.divisors(1_000_000, 115200)).toBe(0);                   // IBRD would be 0
    expect(uart.divisors(48_000_000, 0)).toBe(0);
    expect(uart.divisors(3_000_000_000, 2)).toBe(0);                    // IBRD over 65535
  });

  it("configure follows the PL011 order: drain, disable, wait idle, flush, divisors, LCRH, enable", () => {
    fresh(Board.Pi4);
    expect(uart.configure(115200, 48_000_000)).toBe(true);
    expect(trace()).toBe(
      "mmio.read32 0xfe201018 -> 0x0\n" +        // FR: not BUSY (the TX FIFO has drained)
      "mmio.write32 0xfe201030 0x0\n" +          // CR: off
      "mmio.read32 0xfe201018 -> 0x0\n" +        // FR: not BUSY
      "mmio.write32 0xfe20102c 0x0\n" +          // LCRH: FIFOs off (flush)
      "mmio.write32 0xfe201024 0x1a\n" +         // IBRD 26
      "mmio.write32 0xfe201028 0x3\n" +          // FBRD 3
      "mmio.write32 0xfe20102c 0x70\n" +         // LCRH: 8 bits, FIFOs on
      "mmio.write32 0xfe201030 0x301",           // CR: UARTEN, TXE, RXE
    );
  });

  it("configure asks the mailbox for the UART clock, and leaves the UART alone without one", () => {
    fresh(Board.Pi3);
    setProperty(Tag.CLOCK_RATE, Clock.UART, 3_000_000);
    expect(uart.configure(115200)).toBe(true);
    expect(trace().includes("mmio.write32 0x3f201024 0x1\nmmio.write32 0x3f201028 0x28")).toBe(true);
    fresh(Board.Pi3);                            // a firmware that does not answer
    expect(uart.configure(115200)).toBe(false);
    expect(trace()).toBe("mailbox.call 36 bytes");
  });
});

describe("mailbox", () => {
  it("a property request answered by the firmware", () => {
    fresh(Board.Pi3);
    setProperty(Tag.BOARD_REVISION, 0xa02082, 0);
    expect(mailbox.boardRevision()).toBe(0xa02082);
    expect(mailbox.lastError()).toBe("");
    expect(mailbox.revisionModel(0xa02082)).toBe("Raspberry Pi 3 Model B");
    expect(mailbox.revisionSoc(0xa02082)).toBe("BCM2837");
    expect(mailbox.revisionMemoryMB(0xa02082)).toBe(1024);
    expect(mailbox.revisionModel(0xd03114)).toBe("Raspberry Pi 4 Model B");
    expect(mailbox.revisionModel(0x9020e0)).toBe("Raspberry Pi 3 Model A+");
    expect(mailbox.revisionModel(0xa020d3)).toBe("Raspberry Pi 3 Model B+");
    expect(mailbox.revisionModel(0x902120)).toBe("Raspberry Pi Zero 2 W");
    expect(mailbox.revisionModel(0xc03130)).toBe("Raspberry Pi 400");
    expect(mailbox.revisionModel(0xb03140)).toBe("Compute Module 4");
    expect(mailbox.revisionMemoryMB(0x902120)).toBe(512);
    expect(mailbox.revisionMemoryMB(0xd03114)).toBe(8192);
  });

  it("a tag the firmware does not answer gives 0 and says why", () => {
    fresh(Board.Pi3);
    expect(mailbox.temperature()).toBe(0);
    expect(mailbox.lastError()).toBe("mailbox: the firmware does not know this tag (no response bit)");
  });
});
