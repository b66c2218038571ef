// kernel.wasm for the simulator: the module `make` builds for the board,
// unchanged but for its memory. asc writes a module that defines its own
// memory (initial = maximum: the pages KERNEL_MEMORY_MB gives); here the
// four cores are four instances over one SharedArrayBuffer, so the memory
// becomes an import of a shared one with the same limits (WebAssembly
// threads proposal: limits flag 0x03 = a maximum, shared). Every other byte
// stays: the functions, the globals (per instance, as the stub's per-core
// wasm3 runtimes have them), the layout of the static data.
//
// Two variants: `first` keeps the data segments, so that instantiating it
// writes the static data into the fresh memory, as the stub's core 0 copies
// it into the shared window; `others` has them passive, so that the other
// cores' instances do not write the initial values over what core 0's
// top-level code has set since (the module never runs memory.init: asc
// writes none).
import { WasmReader, WasmFormatError } from "../kernel/wasm.js";

export interface SimModule {
  /** Core 0's module: the data segments active. */
  first: Uint8Array<ArrayBuffer>;
  /** The other cores' module: the data segments passive. */
  others: Uint8Array<ArrayBuffer>;
  /** The memory's size in 64 KiB pages (initial = maximum). */
  pages: number;
}

/** A kernel.wasm the simulator cannot take: what is wrong, and what to do. */
export class ModuleError extends Error {}

/** The module's reader, its errors said as the simulator's. */
class Reader extends WasmReader {
  /** Skips a constant expression (up to and with its `end`, 0x0B): asc writes i32.const N or global.get N. */
  skipInitExpr(): void {
    const op = this.byte();
    if (op === 0x41 || op === 0x23) this.skipLeb();          // i32.const, global.get
    else throw new ModuleError(`kernel.wasm has a data segment whose offset is not i32.const or global.get (opcode 0x${op.toString(16)}) at byte ${this.pos - 1}`);
    if (this.byte() !== 0x0b) throw new ModuleError(`kernel.wasm has a data segment offset longer than one instruction at byte ${this.pos - 1}`);
  }
}

function leb(v: number): number[] {
  const out: number[] = [];
  do {
    let byte = v % 128;
    v = Math.floor(v / 128);
    if (v) byte |= 0x80;
    out.push(byte);
  } while (v);
  return out;
}

const name = (s: string) => [...leb(s.length), ...new TextEncoder().encode(s)];
/** A section: its id, its size, then its body (chunks: a module's code is too large to spread into an array). */
const section = (id: number, ...body: (number[] | Uint8Array)[]): Uint8Array[] => {
  const size = body.reduce((n, b) => n + b.length, 0);
  return [Uint8Array.from([id, ...leb(size)]), ...body.map((b) => (b instanceof Uint8Array ? b : Uint8Array.from(b)))];
};
const concat = (chunks: Uint8Array[]): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) { out.set(c, at); at += c.length; }
  return out;
};

/** The imported memory's module and field: what the simulator's host gives. */
export const MEMORY_IMPORT = { module: "env", field: "memory" } as const;

/** Rewrites kernel.wasm's own memory into an import of a shared one (see the top of this file). */
export function prepareModule(bytes: Uint8Array, sourceMapUrl?: string): SimModule {
  try {
    return prepare(bytes, sourceMapUrl);
  } catch (e) {
    if (e instanceof WasmFormatError) throw new ModuleError(`kernel.wasm is malformed: ${e.message}; build it again (make)`);
    throw e;
  }
}

function prepare(bytes: Uint8Array, sourceMapUrl?: string): SimModule {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d)
    throw new ModuleError("this is not a WebAssembly module (no \\0asm at its start): give the kernel.wasm that make builds (build/kernel.wasm)");
  if (bytes[4] !== 1 || bytes[5] || bytes[6] || bytes[7])
    throw new ModuleError(`kernel.wasm is of WebAssembly version ${bytes[4]}, not 1`);
  const r = new Reader(bytes, 8);
  const sections: { id: number; body: Uint8Array }[] = [];
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    if (r.pos + size > bytes.length) throw new ModuleError(`kernel.wasm is cut short: section ${id} needs ${size} bytes at byte ${r.pos}, the file has ${bytes.length - r.pos}; build it again`);
    sections.push({ id, body: bytes.subarray(r.pos, r.pos + size) });
    r.pos += size;
  }
  const memory = sections.find((s) => s.id === 5);
  if (!memory) {
    const imports = sections.find((s) => s.id === 2);
    if (imports && new TextDecoder().decode(imports.body).includes("memory"))
      throw new ModuleError("kernel.wasm imports its memory already: give the module asc builds (it defines its own)");
    throw new ModuleError("kernel.wasm has no memory (AssemblyScript always defines one: was it built with asc?)");
  }
  const m = new Reader(memory.body);
  if (m.u32() !== 1) throw new ModuleError("kernel.wasm defines more than one memory");
  const flags = m.u32();
  const initial = m.u32();
  const maximum = flags & 1 ? m.u32() : undefined;
  if (maximum === undefined || maximum !== initial)
    throw new ModuleError(`kernel.wasm's memory is ${initial} to ${maximum ?? "unbounded"} pages: the cores share a memory of a fixed size (initial = maximum), as make builds it (KERNEL_MEMORY_MB)`);
  // The import: (import "env" "memory" (memory 0x03 initial maximum)).
  const entry = [...name(MEMORY_IMPORT.module), ...name(MEMORY_IMPORT.field), 0x02, 0x03, ...leb(initial), ...leb(maximum)];
  const build = (passiveData: boolean): Uint8Array<ArrayBuffer> => {
    const out: Uint8Array[] = [Uint8Array.from([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0])];
    let imported = false;
    const addImport = (body?: Uint8Array) => {
      if (!body) return section(2, leb(1), entry);
      const ir = new Reader(body);
      const count = ir.u32();
      return section(2, leb(count + 1), body.subarray(ir.pos), entry);
    };
    for (const s of sections) {
      // The import section comes first of the two (id 2 < 5); a module without imports gets one before its functions.
      if (!imported && s.id > 2 && s.id !== 0) { out.push(...addImport()); imported = true; }
      if (s.id === 2) { out.push(...addImport(s.body)); imported = true; continue; }
      if (s.id === 5) continue;
      if (s.id === 0 && sourceMapUrl !== undefined && customName(s.body) === "sourceMappingURL") continue;
      if (s.id === 11 && passiveData) { out.push(...section(11, ...passive(s.body))); continue; }
      out.push(...section(s.id, s.body));
    }
    // asc's --sourceMap names the map relative to the module's file; a debugger
    // that is given the module as bytes (the page) needs where it really is,
    // and the map's offsets moved as far as this rewrite moved the code
    // section (the server shifts them: serve.ts).
    if (sourceMapUrl !== undefined) {
      const code = codeStart(concat(out)) - codeStart(bytes);
      out.push(...section(0, name("sourceMappingURL"), name(`${sourceMapUrl}?shift=${code}`)));
    }
    return concat(out);
  };
  return { first: build(false), others: build(true), pages: initial };
}

/** Where the code section's body starts in a module (0 if it has none). */
function codeStart(b: Uint8Array): number {
  const r = new Reader(b, 8);
  while (r.pos < b.length) {
    const id = r.byte(), size = r.u32();
    if (id === 10) return r.pos;
    r.pos += size;
  }
  return 0;
}

/** A custom section's name. */
function customName(body: Uint8Array): string {
  const r = new Reader(body);
  const n = r.u32();
  return new TextDecoder().decode(body.subarray(r.pos, r.pos + n));
}

/** The data section with every active segment of memory 0 made passive (its offset dropped). */
function passive(body: Uint8Array): Uint8Array[] {
  const r = new Reader(body);
  const count = r.u32();
  const out: Uint8Array[] = [Uint8Array.from(leb(count))];
  for (let i = 0; i < count; i++) {
    const kind = r.u32();
    if (kind === 0) r.skipInitExpr();
    else if (kind === 2) { r.u32(); r.skipInitExpr(); }
    else if (kind !== 1) throw new ModuleError(`kernel.wasm has a data segment of an unknown kind (${kind})`);
    const size = r.u32();
    out.push(Uint8Array.from([0x01, ...leb(size)]), body.subarray(r.pos, r.pos + size));
    r.pos += size;
  }
  return out;
}
