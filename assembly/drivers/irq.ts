// The interrupt controllers: enable, disable and route a peripheral
// interrupt (the VideoCore's numbers 0-63; board/index.ts names them).
// The C top half (boot/board/irq.c) acknowledges, masks the source and records it;
// a driver's bottom half deals with its device and calls unmask() again.
//
// Pi 3: the BCM2835 ARM interrupt controller (BCM2835 ARM Peripherals,
// section 7.5; base peripheral + 0xB200): enable 1/2 at +0x10/+0x14 and
// disable 1/2 at +0x1C/+0x20, write 1 to a source's bit (sources 0-31 in
// 1, 32-63 in 2). All peripheral interrupts reach one core: the BCM2836
// local controller's GPU interrupt routing register (local + 0x0C, bits 1:0).
//
// Pi 4: the GIC-400 distributor (GICD; BCM2711 ARM Peripherals,
// section 6, and the GIC-400 TRM): interrupt n is ID gicSpiBase() + n; priority
// byte GICD_IPRIORITYRn (0xA0, above the CPU interface's mask 0xF0), target
// byte GICD_ITARGETSRn (bit per core), set-enable GICD_ISENABLERn,
// clear-enable GICD_ICENABLERn. Level-sensitive, the reset configuration.
// Every address is the board's (board/generated.ts, from tools/boards/spec.ts).
import { read32, write32 } from "../arch/mmio";
import { currentBoard, irqController, IrqController, armIrqBase, localIntcBase, gicDistributor, gicSpiBase } from "../board";
import { coreId } from "../arch/cpu";

const LOCAL_GPU_ROUTING: u32 = 0x0c;      // in the BCM2836 local controller ("Quad-A7 control" rev 3.4, GPU interrupt routing; Linux irq-bcm2836.h agrees)
const GICD_ISENABLER: u32 = 0x100;
const GICD_ICENABLER: u32 = 0x180;
const GICD_IPRIORITYR: u32 = 0x400;
const GICD_ITARGETSR: u32 = 0x800;
const PRIORITY: u32 = 0xa0;

// @ts-ignore: decorator
@inline function armc(): u32 { return armIrqBase(currentBoard()); }

/** Byte `index` of a byte-addressed GIC register bank, by a read-modify-write of its word. */
function setByte(bankBase: u32, index: u32, value: u32): void {
  const addr = bankBase + (index & ~3);
  const shift = (index & 3) * 8;
  write32(addr, (read32(addr) & ~(0xff << shift)) | (value << shift));
}

/**
 * Sends interrupt `source` to `core` (the caller by default) and enables it.
 * On a Pi 3 every peripheral interrupt goes to the same core: routing one
 * routes them all.
 */
export function enable(source: u32, core: u32 = coreId()): void {
  const b = currentBoard();
  if (irqController(b) == IrqController.Gic400) {
    const id = gicSpiBase(b) + source, gicd = gicDistributor(b);
    setByte(gicd + GICD_IPRIORITYR, id, PRIORITY);
    setByte(gicd + GICD_ITARGETSR, id, 1 << core);
  } else {
    write32(localIntcBase(b) + LOCAL_GPU_ROUTING, core & 3);
  }
  setEnabled(source, true);
}

/** Enables interrupt `source` again, routed as before (a bottom half's last step). */
export function unmask(source: u32): void { setEnabled(source, true); }

/** Disables interrupt `source`. */
export function disable(source: u32): void { setEnabled(source, false); }

/** Writes the source's bit to the set-enable or clear-enable register (both write-1, no read). */
function setEnabled(source: u32, on: bool): void {
  const b = currentBoard();
  if (irqController(b) == IrqController.Gic400) {
    const id = gicSpiBase(b) + source;
    write32(gicDistributor(b) + (on ? GICD_ISENABLER : GICD_ICENABLER) + (id >> 5) * 4, 1 << (id & 31));
  } else {
    write32(armc() + (on ? 0x10 : 0x1c) + (source < 32 ? 0 : 4), 1 << (source & 31));
  }
}
