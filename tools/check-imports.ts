// Checks that a kernel.wasm imports only what the host ABI offers, with the
// exact types: run on every kernel the build makes, so a mismatch stops the
// build instead of the boot. Usage: node check-imports.js kernel.wasm
import { readFileSync } from "node:fs";
import { ABI, wasmType } from "./abi/spec.js";
import { readImports, WasmFormatError, WasmImport } from "./wasm.js";

/** Problems with the imports of a module; empty when they all match the ABI. */
export function checkImports(imports: WasmImport[]): string[] {
  const problems: string[] = [];
  for (const imp of imports) {
    const where = `${imp.module}.${imp.name}`;
    if (imp.kind !== "func") { problems.push(`${where}: imports a ${imp.kind}; the host offers functions only`); continue; }
    const m = ABI.find((x) => x.module === imp.module);
    const f = m?.functions.find((x) => x.name === imp.name);
    if (!m || !f) {
      const known = m ? m.functions.map((x) => x.name).join(", ") : ABI.map((x) => x.module).join(", ");
      problems.push(`${where}: the host has no such import (${m ? `module ${m.module} has: ${known}` : `modules: ${known}`})`);
      continue;
    }
    const want = f.params.map((p) => wasmType(p.type)!);
    const wantR = f.result === "void" ? [] : [wasmType(f.result)!];
    const sig = (p: string[], r: string[]): string => `(${p.join(", ")}) -> (${r.join(", ")})`;
    if (sig(want, wantR) !== sig(imp.params!, imp.results!))
      problems.push(`${where}: imported as ${sig(imp.params!, imp.results!)} but the host ABI has ${sig(want, wantR)}`);
  }
  return problems;
}

function main(argv: string[]): number {
  const file = argv[0];
  if (!file) { console.error("usage: check-imports <kernel.wasm>"); return 2; }
  let problems: string[];
  try {
    problems = checkImports(readImports(readFileSync(file)));
  } catch (e) {
    if (e instanceof WasmFormatError) { console.error(`error: ${file}: ${e.message}`); return 1; }
    throw e;
  }
  for (const p of problems) console.error(`error: ${file}: ${p}`);
  if (problems.length) console.error("see docs/host-abi.md for what the host offers");
  return problems.length ? 1 : 0;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) process.exit(main(process.argv.slice(2)));
