// The size of a lowered async function's state, as AssemblyScript lays the
// class out (wasm32): the fields of Future, AsyncFn and AsyncFuture<R>
// first, then the machine's own, in order, each aligned to its size
// (references are 4 bytes). tests/spec/async.spec.ts checks it against
// asc's own offsetof<C>().
import { MachineInfo } from "./lower.js";

const SIZES: Record<string, number> = {
  bool: 1, i8: 1, u8: 1, i16: 2, u16: 2, i32: 4, u32: 4, f32: 4, isize: 4, usize: 4,
  i64: 8, u64: 8, f64: 8, v128: 16,
};

/** Bytes of a field of type `type` (anything not a number is a 4-byte reference). */
export function fieldBytes(type: string): number { return SIZES[type.trim()] ?? 4; }

function place(offset: number, size: number): number { return Math.ceil(offset / size) * size + size; }

/** Future: _state (i32), kind (u8); AsyncFn: __s (i32), __cur (ref), __own (bool). */
const BASE: string[] = ["i32", "u8", "i32", "usize", "bool"];

/** The instance bytes of the machine, and what one costs on the kernel's heap (object header, block header, canary, 16-byte blocks). */
export function machineBytes(m: Pick<MachineInfo, "fields"> & { output?: string; self?: boolean }): { bytes: number; heap: number } {
  let off = 0;
  const types = [...BASE, ...(m.output && m.output !== "void" ? [m.output] : []), ...(m.self ? ["usize"] : []), ...m.fields.map((f) => f.type)];
  for (const t of types) off = place(off, fieldBytes(t));
  return { bytes: off, heap: Math.ceil((off + 40) / 16) * 16 };
}
