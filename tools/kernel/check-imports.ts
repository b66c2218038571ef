// Checks that a kernel.wasm imports only what the host ABI offers, with the
// exact types (used by check-wasm.ts on every kernel the build makes).
import { ABI, wasmType } from "../abi/spec.js";
import { WasmImport } from "./wasm.js";

/** Problems with the imports of a module; empty when they all match the ABI. */
export function checkImports(imports: WasmImport[]): string[] {
  const problems: string[] = [];
  if (imports.some((imp) => imp.module === "fake")) {
    problems.push(`fake.${imports.find((imp) => imp.module === "fake")!.name}: the kernel imports "tspi/testing", the fake board of the specs, which exists only in node: import it from specs (*.spec.ts) only`);
    imports = imports.filter((imp) => imp.module !== "fake");
  }
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
