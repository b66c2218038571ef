// A small reader for the parts of a wasm binary the tools check: the
// function types and the imports. Throws a WasmFormatError that says where
// the binary is broken.

export class WasmFormatError extends Error {}

export interface WasmImport {
  module: string;
  name: string;
  kind: "func" | "table" | "memory" | "global" | "tag";
  /** For functions: parameter and result value types, e.g. ["i32","i64"]. */
  params?: string[];
  results?: string[];
}

const VALTYPES: Record<number, string> = { 0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x7b: "v128", 0x70: "funcref", 0x6f: "externref" };

/** Reads a wasm binary from `pos` up to `end`: bytes, LEB128 numbers, names (also tools/sim/module.ts, tools/kernel/source-map.ts). */
export class WasmReader {
  constructor(private buf: Uint8Array, public pos = 0, private end = buf.length) {}
  get done(): boolean { return this.pos >= this.end; }
  byte(): number {
    if (this.pos >= this.end) throw new WasmFormatError(`unexpected end of data at offset ${this.pos}`);
    return this.buf[this.pos++];
  }
  u32(): number {
    let result = 0, shift = 0, b: number;
    do {
      b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (shift > 35) throw new WasmFormatError(`LEB128 number too long at offset ${this.pos}`);
    } while (b & 0x80);
    return result;
  }
  /** Steps over a LEB128 number (signed or not: the same bytes). */
  skipLeb(): void { while (this.byte() & 0x80) { /* its next byte */ } }
  bytes(n: number): Uint8Array {
    if (this.pos + n > this.end) throw new WasmFormatError(`a length of ${n} at offset ${this.pos} runs past the end`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  name(): string { return new TextDecoder("utf-8", { fatal: true }).decode(this.bytes(this.u32())); }
  valtype(): string {
    const b = this.byte();
    const t = VALTYPES[b];
    if (!t) throw new WasmFormatError(`unknown value type 0x${b.toString(16)} at offset ${this.pos - 1}`);
    return t;
  }
  limits(): void { const flags = this.byte(); this.u32(); if (flags & 1) this.u32(); }
}

/** The imports of a wasm module, with function signatures resolved. */
export function readImports(bin: Uint8Array): WasmImport[] {
  if (bin.length < 8 || bin[0] !== 0 || bin[1] !== 0x61 || bin[2] !== 0x73 || bin[3] !== 0x6d)
    throw new WasmFormatError("not a wasm module (no \\0asm magic)");
  if (bin[4] !== 1 || bin[5] !== 0 || bin[6] !== 0 || bin[7] !== 0)
    throw new WasmFormatError(`unsupported wasm version ${bin[4]}`);
  const r = new WasmReader(bin, 8);
  const types: Array<{ params: string[]; results: string[] }> = [];
  const imports: WasmImport[] = [];
  while (!r.done) {
    const id = r.byte();
    const size = r.u32();
    const s = new WasmReader(bin, r.pos, r.pos + size);
    r.bytes(size);
    if (id === 1) {
      for (let n = s.u32(); n > 0; n--) {
        if (s.byte() !== 0x60) throw new WasmFormatError("type section: expected a function type (0x60)");
        const params = Array.from({ length: s.u32() }, () => s.valtype());
        const results = Array.from({ length: s.u32() }, () => s.valtype());
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = s.u32(); n > 0; n--) {
        const module = s.name(), name = s.name(), kind = s.byte();
        if (kind === 0) {
          const t = types[s.u32()];
          if (!t) throw new WasmFormatError(`import ${module}.${name} names a type that does not exist`);
          imports.push({ module, name, kind: "func", params: t.params, results: t.results });
        } else if (kind === 1) { s.valtype(); s.limits(); imports.push({ module, name, kind: "table" }); }
        else if (kind === 2) { s.limits(); imports.push({ module, name, kind: "memory" }); }
        else if (kind === 3) { s.valtype(); s.byte(); imports.push({ module, name, kind: "global" }); }
        else if (kind === 4) { s.byte(); s.u32(); imports.push({ module, name, kind: "tag" }); }
        else throw new WasmFormatError(`import ${module}.${name} has unknown kind ${kind}`);
      }
      return imports;   // nothing after the import section matters here
    }
  }
  return imports;
}

/** The function names of the "name" custom section, by function index (imports first); empty without one. */
export function readFunctionNames(bin: Uint8Array): Map<number, string> {
  readImports(bin);   // the magic, the version and the sections up to the imports are well formed
  const r = new WasmReader(bin, 8);
  const names = new Map<number, string>();
  while (!r.done) {
    const id = r.byte();
    const size = r.u32();
    const s = new WasmReader(bin, r.pos, r.pos + size);
    r.bytes(size);
    if (id !== 0 || s.name() !== "name") continue;
    while (!s.done) {
      const sub = s.byte(), len = s.u32();
      const body = new WasmReader(bin, s.pos, s.pos + len);
      s.bytes(len);
      if (sub !== 1) continue;
      for (let n = body.u32(); n > 0; n--) { const index = body.u32(); names.set(index, body.name()); }
    }
  }
  return names;
}
