// One edit of wasm2c's output (make BACKEND=aot): every load and store
// addresses the memory from its fixed place, the shared window
// (AOT_MEMORY_BASE, boot/aot/unit.c), instead of through the instance's
// memory->data pointer. Every instance's memory is that window
// (boot/aot/aot.c), so this changes no address; it lets gcc keep the base
// in a register, where a byte store (which may alias any pointer in C) made
// it load memory->data again after each one.
//
//   node aot-fixed-memory.js raw/kernel.c kernel.c
//
// The edit is checked: wasm2c 1.0.32's little-endian load and store helpers
// each have the expression once. Another wasm2c that writes them otherwise
// stops the build here rather than going on unedited.
import { readFileSync, renameSync, writeFileSync } from "node:fs";

export const FROM = "&mem->data[addr]";
export const TO = "&AOT_MEMORY_BASE[addr]";

export function fixMemory(c: string): string {
  const n = c.split(FROM).length - 1;
  if (n !== 2)
    throw new Error(`expected wasm2c's load and store helpers to address "${FROM}" once each, found it ${n} times: ` +
      "is this wasm2c 1.0.32 (Debian's wabt)? tools/kernel/aot-fixed-memory.ts must learn the new shape");
  return c.split(FROM).join(TO);
}

function main(argv: string[]): number {
  if (argv.length !== 2) { console.error("usage: aot-fixed-memory <wasm2c output> <edited output>"); return 2; }
  try {
    writeFileSync(argv[1] + ".part", fixMemory(readFileSync(argv[0], "utf8")));
    renameSync(argv[1] + ".part", argv[1]);
  } catch (e) {
    console.error(`error: ${argv[0]}: ${(e as Error).message}`);
    return 1;
  }
  return 0;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) process.exit(main(process.argv.slice(2)));
