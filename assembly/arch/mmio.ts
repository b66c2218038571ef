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
