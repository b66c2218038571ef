// Source maps through the passes after asc. asc's --sourceMap maps each
// instruction's byte offset in kernel.wasm to the TypeScript it came from;
// share-globals.ts then rebuilds the module through wabt's text format,
// which turns global.get/set into loads and stores, may add imports and
// code to _initialize, and so moves every offset after the first change.
// remapSourceMap() carries asc's map over: it decodes the instructions of
// each function body in both modules, pairs them up by opcode (the passes
// only replace or insert instructions, never reorder them), and moves each
// mapping to its instruction's new offset. The simulator's page shifts it
// once more for its own rewrite (tools/sim/module.ts: the code section
// moves as a whole).
import { WasmReader } from "./wasm.js";

export interface SourceMapV3 {
  version: 3;
  sources: string[];
  sourcesContent?: (string | null)[];
  names: string[];
  mappings: string;
  file?: string;
  sourceRoot?: string;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Decodes one segment's VLQ fields. */
function vlqDecode(s: string): number[] {
  const out: number[] = [];
  let v = 0, shift = 0;
  for (const ch of s) {
    const d = B64.indexOf(ch);
    if (d < 0) throw new Error(`source map: '${ch}' is not base64`);
    v += (d & 31) * 2 ** shift;
    if (d & 32) { shift += 5; continue; }
    out.push(v % 2 === 1 ? -Math.floor(v / 2) : v / 2);
    v = 0; shift = 0;
  }
  return out;
}

function vlqEncode(values: number[]): string {
  let s = "";
  for (const x of values) {
    let v = x < 0 ? (-x) * 2 + 1 : x * 2;
    do {
      let d = v % 32;
      v = Math.floor(v / 32);
      if (v) d |= 32;
      s += B64[d];
    } while (v);
  }
  return s;
}

/** A mapping: generated offset (the column: wasm maps have one line), then source, line, column, and name if any (absolute). */
export type Mapping = number[];

export function decodeMappings(mappings: string): Mapping[] {
  const out: Mapping[] = [];
  const acc = [0, 0, 0, 0, 0];
  for (const line of mappings.split(";")) {
    acc[0] = 0;
    for (const seg of line.split(",")) {
      if (!seg) continue;
      const f = vlqDecode(seg);
      f.forEach((d, i) => { acc[i] += d; });
      out.push(acc.slice(0, f.length));
    }
    break;                                          // a wasm map has one line
  }
  return out;
}

export function encodeMappings(ms: Mapping[]): string {
  const prev = [0, 0, 0, 0, 0];
  return ms.map((m) => {
    const d = m.map((v, i) => v - prev[i]);
    m.forEach((v, i) => { prev[i] = v; });
    return vlqEncode(d);
  }).join(",");
}

/**
 * The map with each mapping's source position moved by `place` (1-based
 * line and column in, the new ones out; null leaves it): for the async
 * transform's lowered files, whose lines past the user's last one are the
 * state machines asc compiled (tools/async/compile.ts).
 */
export function relineSourceMap(map: SourceMapV3, place: (source: string, line: number, col: number) => { line: number; col: number } | null): SourceMapV3 {
  const ms = decodeMappings(map.mappings).map((m) => {
    if (m.length < 4) return m;
    const p = place(map.sources[m[1]], m[2] + 1, m[3] + 1);
    return p ? [m[0], m[1], p.line - 1, p.col - 1, ...m.slice(4)] : m;
  });
  return { ...map, mappings: encodeMappings(ms) };
}

/** The byte offset and opcode of every instruction of every function body, in order. */
export interface Instr { at: number; op: number }

/** Each defined function's instructions (file offsets), in the code section's order. */
export function functionInstructions(wasm: Uint8Array): Instr[][] {
  const r = new WasmReader(wasm, 8);
  while (r.pos < wasm.length) {
    const id = r.byte(), size = r.u32(), end = r.pos + size;
    if (id !== 10) { r.pos = end; continue; }
    const count = r.u32(), fns: Instr[][] = [];
    for (let f = 0; f < count; f++) {
      const bodySize = r.u32(), bodyEnd = r.pos + bodySize;
      for (let groups = r.u32(); groups > 0; groups--) { r.u32(); r.byte(); }
      const list: Instr[] = [];
      while (r.pos < bodyEnd) {
        const at = r.pos, op = r.byte();
        let key = op;
        if (op === 0x02 || op === 0x03 || op === 0x04) { r.skipLeb(); }
        else if (op === 0x0c || op === 0x0d || op === 0x10 || (op >= 0x20 && op <= 0x26) || op === 0xd2) r.skipLeb();
        else if (op === 0x0e) { for (let n = r.u32(); n >= 0; n--) r.skipLeb(); }
        else if (op === 0x11) { r.skipLeb(); r.skipLeb(); }
        else if (op === 0x1c) { for (let n = r.u32(); n > 0; n--) r.byte(); }
        else if (op >= 0x28 && op <= 0x3e) { r.skipLeb(); r.skipLeb(); }
        else if (op === 0x3f || op === 0x40 || op === 0xd0) r.byte();
        else if (op === 0x41 || op === 0x42) r.skipLeb();
        else if (op === 0x43) r.bytes(4);
        else if (op === 0x44) r.bytes(8);
        else if (op === 0xfc) {
          const sub = r.u32();
          key = 0xfc00 + sub;
          if (sub === 8) { r.skipLeb(); r.byte(); }
          else if (sub === 10) { r.byte(); r.byte(); }
          else if (sub === 11) r.byte();
          else if (sub === 12 || sub === 14) { r.skipLeb(); r.skipLeb(); }
          else if (sub === 9 || sub === 13 || (sub >= 15 && sub <= 17)) r.skipLeb();
          else if (sub > 17) throw new Error(`wasm: 0xfc ${sub} is not an instruction this decoder knows`);
        } else if (op === 0xfd || op === 0xfe) throw new Error(`wasm: opcode 0x${op.toString(16)} (SIMD or threads) is not one this decoder knows`);
        list.push({ at, op: key });
      }
      fns.push(list);
    }
    return fns;
  }
  return [];
}

/**
 * Pairs the old instructions with the new: equal opcodes go together; at a
 * difference (a replacement, an insertion) it looks ahead for the nearest
 * place where both agree again. Each old instruction gets the offset of its
 * new one, or of the first instruction of what replaced it.
 */
function pair(old: Instr[], now: Instr[]): Map<number, number> {
  const out = new Map<number, number>();
  let i = 0, j = 0;
  const WINDOW = 16;
  while (i < old.length && j < now.length) {
    if (old[i].op === now[j].op) { out.set(old[i].at, now[j].at); i++; j++; continue; }
    // The smallest (di + dj) at which the two runs agree for 2 instructions.
    let best: [number, number] | null = null;
    for (let s = 1; s <= 2 * WINDOW && !best; s++) {
      for (let di = 0; di <= Math.min(s, WINDOW); di++) {
        const dj = s - di;
        if (dj > WINDOW) continue;
        const a = old[i + di], b = now[j + dj];
        if (a && b && a.op === b.op && old[i + di + 1]?.op === now[j + dj + 1]?.op) { best = [di, dj]; break; }
      }
    }
    if (!best) { for (; i < old.length; i++) out.set(old[i].at, now[j].at); break; }
    for (let k = 0; k < best[0]; k++) out.set(old[i + k].at, now[j].at);
    i += best[0]; j += best[1];
  }
  for (; i < old.length; i++) out.set(old[i].at, now[Math.min(j, now.length - 1)]?.at ?? 0);
  return out;
}

/** asc's map for `oldWasm`, carried over to `newWasm` (the same functions, after share-globals). */
export function remapSourceMap(map: SourceMapV3, oldWasm: Uint8Array, newWasm: Uint8Array): SourceMapV3 {
  const a = functionInstructions(oldWasm), b = functionInstructions(newWasm);
  if (a.length !== b.length) throw new Error(`source map: the module has ${b.length} functions after the pass, ${a.length} before: cannot carry the map over`);
  const moved = new Map<number, number>();
  a.forEach((fn, k) => { for (const [from, to] of pair(fn, b[k])) moved.set(from, to); });
  const starts = [...moved.keys()].sort((x, y) => x - y);
  const at = (offset: number): number | undefined => {
    const hit = moved.get(offset);
    if (hit !== undefined) return hit;
    let lo = 0, hi = starts.length - 1, best = -1;          // the instruction the offset falls in
    while (lo <= hi) { const mid = (lo + hi) >> 1; if (starts[mid] <= offset) { best = mid; lo = mid + 1; } else hi = mid - 1; }
    return best < 0 ? undefined : moved.get(starts[best]);
  };
  const mappings: Mapping[] = [];
  for (const m of decodeMappings(map.mappings)) {
    const to = at(m[0]);
    if (to !== undefined) mappings.push([to, ...m.slice(1)]);
  }
  mappings.sort((x, y) => x[0] - y[0]);
  return { ...map, mappings: encodeMappings(mappings) };
}

/** The map with every generated offset moved by `delta` bytes (a rewrite that moved the code section as a whole). */
export function shiftSourceMap(map: SourceMapV3, delta: number): SourceMapV3 {
  return { ...map, mappings: encodeMappings(decodeMappings(map.mappings).map((m) => [m[0] + delta, ...m.slice(1)])) };
}

/** A map decoded once, for many lookups. */
export class SourceMapIndex {
  private readonly ms: Mapping[];
  constructor(readonly map: SourceMapV3) { this.ms = decodeMappings(map.mappings).filter((m) => m.length >= 4).sort((a, b) => a[0] - b[0]); }
  /** The source (file, 1-based line, 0-based column) `offset` comes from: the last mapping at or before it. */
  at(offset: number): { source: string; line: number; column: number } | null {
    let lo = 0, hi = this.ms.length - 1, best = -1;
    while (lo <= hi) { const mid = (lo + hi) >> 1; if (this.ms[mid][0] <= offset) { best = mid; lo = mid + 1; } else hi = mid - 1; }
    if (best < 0) return null;
    const m = this.ms[best];
    return { source: this.map.sources[m[1]], line: m[2] + 1, column: m[3] };
  }
}
