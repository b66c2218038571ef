// Memory-mapped registers (host module "mmio"). The host refuses addresses
// outside the board's peripheral windows; drivers take their base address
// from the board file, never a constant of their own.
import { mmio as host } from "./host";

/** Reads the 32-bit register at physical address `addr`. */
// @ts-ignore: decorator
@inline export function read32(addr: u32): u32 { return host.read32(addr); }
/** Writes the 32-bit register at physical address `addr`. */
// @ts-ignore: decorator
@inline export function write32(addr: u32, value: u32): void { host.write32(addr, value); }
/** Reads the register at `addr`, or gives -1 when the bus refuses the read (no block answers there: a block QEMU lacks). */
// @ts-ignore: decorator
@inline export function probe32(addr: u32): i64 { return host.probe32(addr); }
