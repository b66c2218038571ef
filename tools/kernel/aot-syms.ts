// The AOT backend's symbol table (make BACKEND=aot, boot/aot/aot.c): a trap
// in code wasm2c generated names the wasm function it was in, as wasm3 does.
//
//   node aot-syms.js --nm pass1.nm --wasm kernel.wasm --out syms.c
//       writes the table from the first link's symbols (nm -n -S output):
//       every function wasm2c made (w2c_*, and the exports Z_kernelZ_*),
//       its address, size and the wasm name it came from
//   nm -n -S final.elf | node aot-syms.js --check pass1.nm --nm -
//       the second link, with the table, must not have moved a function
//
// wasm2c 1.0.32 names a function w2c_ followed by its name-section name
// with every character that may not be in a C name made '_'. Two wasm names
// can make one C name; such a function keeps its C name in the table.
import { readFileSync, writeFileSync } from "node:fs";
import { readFunctionNames, WasmFormatError } from "./wasm.js";

export interface NmSymbol { addr: bigint; size: bigint; type: string; name: string }

export function parseNm(text: string): NmSymbol[] {
  const out: NmSymbol[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length === 4) out.push({ addr: BigInt("0x" + f[0]), size: BigInt("0x" + f[1]), type: f[2], name: f[3] });
    else if (f.length === 3) out.push({ addr: BigInt("0x" + f[0]), size: 0n, type: f[1], name: f[2] });
  }
  return out;
}

export function cName(wasmName: string): string { return "w2c_" + wasmName.replace(/[^A-Za-z0-9_]/g, "_"); }

/** The generated functions, in address order, each with the name a panic line shows. */
export function table(syms: NmSymbol[], wasmNames: Iterable<string>): Array<{ addr: bigint; size: bigint; name: string }> {
  const byC = new Map<string, string | null>();
  for (const n of wasmNames) { const c = cName(n); byC.set(c, byC.has(c) && byC.get(c) !== n ? null : n); }
  return syms
    .filter((s) => (s.type === "t" || s.type === "T") && s.size > 0n && (s.name.startsWith("w2c_") || s.name.startsWith("Z_kernelZ_")))
    .map((s) => {
      const base = s.name.split(".")[0];   // gcc's clones: name.constprop.0, name.part.0, name.cold
      const wasm = byC.get(base);
      const name = wasm ?? (base.startsWith("Z_kernelZ_") ? base.slice("Z_kernelZ_".length) : base.slice("w2c_".length));
      return { addr: s.addr, size: s.size, name: s.name.includes(".cold") ? name + " (cold part)" : name };
    })
    .sort((a, b) => (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0));
}

function cString(s: string): string { return JSON.stringify(s).replace(/\?/g, "\\?"); }

export function writeC(t: ReturnType<typeof table>): string {
  const lines = [
    "/* made by tools/kernel/aot-syms.ts from the first link: the functions wasm2c generated, for trap lines. */",
    '#include "aot/aot.h"',
    `const unsigned aot_nsyms __attribute__((section(".aot_syms"))) = ${t.length};`,
    `const struct aot_sym aot_syms[${Math.max(t.length, 1)}] __attribute__((section(".aot_syms"))) = {`,
    ...t.map((e) => `    { 0x${e.addr.toString(16)}, 0x${e.size.toString(16)}, ${cString(e.name)} },`),
    "};",
    "",
  ];
  return lines.join("\n");
}

/** Functions whose address or size differ between two links (empty when none moved). Static
 *  functions of one name in several files are told apart by where they are. */
export function moved(before: NmSymbol[], after: NmSymbol[]): string[] {
  const key = (s: NmSymbol) => `${s.name}@${s.addr.toString(16)}+${s.size.toString(16)}`;
  const fns = (l: NmSymbol[]) => l.filter((s) => (s.type === "t" || s.type === "T") && s.size > 0n);
  const left = new Map<string, number>();
  for (const s of fns(after)) left.set(key(s), (left.get(key(s)) ?? 0) + 1);
  const out: string[] = [];
  for (const s of fns(before)) {
    const n = left.get(key(s)) ?? 0;
    if (n === 0) out.push(s.name);
    else left.set(key(s), n - 1);
  }
  return out;
}

function read(file: string): string { return readFileSync(file === "-" ? 0 : file, "utf8"); }

function main(argv: string[]): number {
  const arg = (k: string) => { const i = argv.indexOf(k); return i >= 0 ? argv[i + 1] : undefined; };
  const nm = arg("--nm"), check = arg("--check"), wasm = arg("--wasm"), out = arg("--out");
  if (!nm || (!check && (!wasm || !out))) {
    console.error("usage: aot-syms --nm pass1.nm --wasm kernel.wasm --out syms.c | aot-syms --check pass1.nm --nm final.nm");
    return 2;
  }
  if (check) {
    const m = moved(parseNm(read(check)), parseNm(read(nm)));
    if (m.length) {
      console.error(`error: the second link moved ${m.length} function(s) (${m.slice(0, 3).join(", ")}...): ` +
        "the symbol table must come after the code (.aot_syms in linker/kernel8.ld)");
      return 1;
    }
    return 0;
  }
  let names: Map<number, string>;
  try { names = readFunctionNames(readFileSync(wasm!)); } catch (e) {
    if (e instanceof WasmFormatError) { console.error(`error: ${wasm}: ${e.message}`); return 1; }
    throw e;
  }
  writeFileSync(out!, writeC(table(parseNm(read(nm)), names.values())));
  return 0;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) process.exit(main(process.argv.slice(2)));
