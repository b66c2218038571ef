// Where the bytes of kernel8.img come from, from the GNU ld map that the
// link writes next to it (build/kernel8.map): wasm3, our stub (boot/), the
// kernel compiled ahead of time (an aot image: wasm2c's C, our runtime and
// the symbol table, build/aot/obj/), the
// C library (picolibc, libgcc), the embedded kernel.wasm, and what ld
// synthesises (GOT; dynamic relocations and symbols if the link were PIE,
// which it is not: the Makefile links -no-pie). Sections that
// take no room in the image (.bss, the stacks, the shared memory) are not
// counted; what is left over is alignment padding.
import { readFileSync, statSync } from "node:fs";

export interface SizeSplit { image: number; wasm3: number; aot: number; stub: number; libc: number; kernelWasm: number; linker: number; padding: number }

/** Input sections ld makes itself (listed under the first input file). */
const SYNTHESISED = /^\.(rela|dynsym|dynstr|gnu\.hash|hash|interp|dynamic|got|plt|gnu\.version)/;

/** Output sections that are not in the raw binary (objcopy -O binary keeps only what has contents). */
const NO_BYTES = /^\.(bss|tbss|dynbss|stacks|exstacks|tls|heap|shared|comment|debug|stab|note|ARM|gnu_debug|symtab|strtab)/;

/** Who an input file belongs to. */
function owner(file: string): "wasm3" | "aot" | "stub" | "libc" | "kernelWasm" {
  if (file.endsWith(".payload.o")) return "kernelWasm";
  if (file.includes("/aot/obj/")) return "aot";
  if (/libc\.a|libgcc\.a|picolibc/.test(file)) return "libc";
  // Our objects are foo.c.o / foo.S.o (also inside stub.a); wasm3's are m3_*.o.
  const member = /\(([^)]+)\)$/.exec(file)?.[1] ?? file;
  return /\.(c|S)\.o$/.test(member) ? "stub" : "wasm3";
}

export function sizeSplit(map: string, imageBytes: number): SizeSplit {
  const out: SizeSplit = { image: imageBytes, wasm3: 0, aot: 0, stub: 0, libc: 0, kernelWasm: 0, linker: 0, padding: 0 };
  const start = map.indexOf("Linker script and memory map");
  const lines = map.slice(start < 0 ? 0 : start).split("\n");
  let counted = false;
  let pending: string | null = null;   // an input section name on a line of its own
  for (const line of lines) {
    const outSec = /^(\.\S+)/.exec(line);
    if (outSec) { counted = !NO_BYTES.test(outSec[1]); pending = null; continue; }
    if (/^ \S+\s*$/.test(line)) { pending = line.trim(); continue; }
    const m = /^ (\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$/.exec(line);
    if (!m || (!m[1] && !pending)) { pending = null; continue; }
    const name = m[1] ?? pending ?? "";
    pending = null;
    if (!counted) continue;
    const size = parseInt(m[3], 16);
    if (size) out[SYNTHESISED.test(name) ? "linker" : owner(m[4].trim())] += size;
  }
  out.padding = imageBytes - out.wasm3 - out.aot - out.stub - out.libc - out.kernelWasm - out.linker;
  return out;
}

export function sizeSplitOf(image = "build/kernel8.img", map = image.replace(/\.img$/, ".map")): SizeSplit {
  return sizeSplit(readFileSync(map, "utf8"), statSync(image).size);
}

if (process.argv[1]?.endsWith("size.js")) {
  const s = sizeSplitOf(process.argv[2]);
  for (const [k, v] of Object.entries(s)) console.log(`${k.padEnd(11)} ${v.toLocaleString("en-US").padStart(9)} bytes`);
}
