// Checks a kernel.wasm before it is embedded in an image: wasm-validate
// (wabt) must accept it, and its imports must match the host ABI exactly.
// A bad module stops the build here, with the reason, instead of at boot.
//
//   node check-wasm.js build/kernel.wasm
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { checkImports } from "./check-imports.js";
import { readImports, WasmFormatError } from "./wasm.js";

export const WASM_VALIDATE = process.env.WASM_VALIDATE ?? "wasm-validate";

/** Problems with the module at `file`, empty when it may be embedded. */
export function checkWasm(file: string): string[] {
  let bin: Buffer;
  try { bin = readFileSync(file); } catch (e) { return [`cannot read it: ${(e as Error).message}`]; }
  const v = spawnSync(WASM_VALIDATE, [file], { encoding: "utf8" });
  if (v.error) {
    const why = (v.error as NodeJS.ErrnoException).code === "ENOENT"
      ? `${WASM_VALIDATE} not found: run 'make setup' (Debian package wabt)` : v.error.message;
    return [why];
  }
  if (v.status !== 0) return [`fails validation: ${(v.stderr || v.stdout).trim()}`];
  try {
    const problems = checkImports(readImports(bin));
    if (problems.length) problems.push("see docs/host-abi.md for what the host offers");
    return problems;
  } catch (e) {
    if (e instanceof WasmFormatError) return [e.message];
    throw e;
  }
}

function main(argv: string[]): number {
  if (argv.length === 0) { console.error("usage: check-wasm <kernel.wasm>..."); return 2; }
  let bad = 0;
  for (const file of argv) {
    const problems = checkWasm(file);
    for (const p of problems) console.error(`error: ${file}: ${p}`);
    if (problems.length) bad++;
  }
  return bad ? 1 : 0;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) process.exit(main(process.argv.slice(2)));
