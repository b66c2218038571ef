// Module variables are one variable for the four cores (issue 17,
// docs/memory-model.md). asc compiles a module-level `let` (and a `const`
// it cannot fold, a static field) to a wasm global, and every core's
// runtime has its own globals; this pass, run on each kernel.wasm after
// asc, moves every such mutable global into a slot of shared memory at the
// top of the linear memory (the heap ends below it: SHARED_GLOBALS_BYTES in
// assembly/kernel/alloc/index.ts) and turns each global.get into a load and
// each global.set into a store. Core 0 writes the initial values at the
// start of _initialize, which the stub runs on core 0 alone, before any
// core runs kernel_start: module variables are initialised once.
//
// Left per core, as globals:
//   - the ones the kernel declares per core: `@perCore let x = ...` (the
//     async transform's reader strips the decorator and lists them in
//     build/<kernel>.percore.json); their initial value must be a constant,
//     because cores 1-3 start from it without running _initialize;
//   - asc's own (names that start with "~": ~started, ~argumentsLength);
//   - exported ones (the stub reads __async_name and __async_line of the
//     core that trapped).
//
//   node share-globals.js kernel.wasm [--per-core build/x.percore.json] [--out kernel.wasm]
//
// The edit is on wabt's text (wasm2wat, then wat2wasm), line by line.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PerCoreVar } from "./async/percore.js";   // a @perCore variable, as the build lists it

/** The bytes at the top of linear memory that hold the shared module variables (as alloc/index.ts reserves). */
export const SHARED_GLOBALS_BYTES = 8192;
const SLOT = 8;

export interface Shared { name: string; type: string; init: string; addr: number }
export interface ShareResult { wat: string; shared: Shared[]; perCore: string[] }

const LOAD: Record<string, string> = { i32: "i32.load", i64: "i64.load", f32: "f32.load", f64: "f64.load" };
const STORE: Record<string, string> = { i32: "i32.store", i64: "i64.store", f32: "f32.store", f64: "f64.store" };

export class ShareError extends Error {}

/** The pass on wasm2wat's text. `perCore`: the globals the kernel declared per core, by name. */
export function shareGlobals(wat: string, perCore: Map<string, PerCoreVar>): ShareResult {
  const lines = wat.split("\n");
  const mem = /^\s*\(memory \(;0;\) (\d+)(?: (\d+))?\)/m.exec(wat);
  if (!mem) throw new ShareError("the module has no memory of its own (AssemblyScript always exports one: was it built with asc?)");
  const top = Number(mem[1]) * 65536;
  const exported = new Set([...wat.matchAll(/^\s*\(export "[^"]*" \(global (\$[^\s)]+)\)\)/gm)].map((m) => m[1]));
  const shared = new Map<string, Shared>();
  const kept: string[] = [];
  for (const m of wat.matchAll(/^\s*\(global (\$\S+) \(mut (i32|i64|f32|f64)\) \((?:i32|i64|f32|f64)\.const ([^)]+)\)\)/gm)) {
    const [, name, type, init] = m;
    const bare = name.slice(1);
    if (bare.startsWith("~") || exported.has(name) || perCore.has(bare)) { kept.push(bare); continue; }
    const addr = top - SHARED_GLOBALS_BYTES + shared.size * SLOT;
    if (shared.size * SLOT >= SHARED_GLOBALS_BYTES)
      throw new ShareError(`more than ${SHARED_GLOBALS_BYTES / SLOT} module variables to share: make SHARED_GLOBALS_BYTES larger in tools/share-globals.ts and assembly/kernel/alloc/index.ts`);
    shared.set(name, { name: bare, type, init, addr });
  }
  // A per-core variable whose initial value top-level code computes would be
  // set on core 0 only. One declared with a literal (`constant`) that the
  // start function sets anyway is a lazy cache the optimiser inlined there
  // (the heap's handle, when top-level code makes an object): each core sets
  // its own the first time it needs it.
  const start = startFunction(lines);
  if (start) {
    for (let i = start.from; i <= start.to; i++) {
      const m = /global\.set (\$[^\s)]+)/.exec(lines[i]);
      const v = m && !shared.has(m[1]) ? perCore.get(m[1].slice(1)) : undefined;
      if (v && !v.constant)
        throw new ShareError(`${v.file}:${v.line}: the @perCore variable ${describe(v.global).split(" ")[0]} is set by top-level code, which runs on core 0 only: give it a constant initial value (each core starts from it), or set it on each core from kernel_start`);
    }
  }
  const tmp: Record<string, string> = {};
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    const get = /^(\s*)global\.get (\$[^\s)]+)(.*)$/.exec(line);
    const set = /^(\s*)global\.set (\$[^\s)]+)(.*)$/.exec(line);
    if (get && shared.has(get[2])) {
      const s = shared.get(get[2])!;
      line = `${get[1]}i32.const ${s.addr} ${LOAD[s.type]}${get[3]}`;
    } else if (set && shared.has(set[2])) {
      const s = shared.get(set[2])!;
      tmp[s.type] = `$~share/tmp_${s.type}`;
      line = `${set[1]}global.set ${tmp[s.type]} i32.const ${s.addr} global.get ${tmp[s.type]} ${STORE[s.type]}${set[3]}`;
    }
    out.push(line);
    // Core 0 writes the initial values first thing in _initialize (after asc's ~started guard).
    if (start && i === start.initAt) {
      for (const s of shared.values()) {
        if (Number(s.init) !== 0 || /nan|inf/.test(s.init)) out.push(`    i32.const ${s.addr} ${s.type}.const ${s.init} ${STORE[s.type]}`);
      }
    }
  }
  if (!start && [...shared.values()].some((s) => Number(s.init) !== 0))
    throw new ShareError("the module has no _initialize to set its module variables in (asconfig.json's exportStart)");
  // The per-core scratch globals the stores go through.
  const at = out.findIndex((l) => /^\s*\(global /.test(l));
  const decls = Object.entries(tmp).map(([t, n]) => `  (global ${n} (mut ${t}) (${t}.const 0))`);
  if (decls.length) out.splice(at < 0 ? out.length - 1 : at, 0, ...decls);
  return { wat: out.join("\n"), shared: [...shared.values()], perCore: kept };
}

/** The exported _initialize's body: its lines, and the line after which the initial values go. */
function startFunction(lines: string[]): { from: number; to: number; initAt: number } | null {
  const exp = lines.map((l) => /^\s*\(export "_initialize" \(func (\$[^\s)]+)\)\)/.exec(l)).find((m) => m);
  if (!exp) return null;
  const name = exp[1];
  const from = lines.findIndex((l) => l.startsWith(`  (func ${name} `));
  if (from < 0) return null;
  let to = from + 1;
  while (to < lines.length && !/^  \(/.test(lines[to])) to++;
  to--;
  const guard = lines.findIndex((l, i) => i > from && i <= to && /global\.set \$~started/.test(l));
  return { from, to, initAt: guard >= 0 ? guard : from };
}

/** "assembly/kernel/exec/executor/thisCore" as a reader knows it: thisCore in assembly/kernel/exec/executor.ts. */
export function describe(global: string): string {
  const slash = global.lastIndexOf("/");
  return slash < 0 ? global : `${global.slice(slash + 1)} (${global.slice(0, slash)}.ts)`;
}

function main(argv: string[]): number {
  let file = "", perCoreFile = "", outFile = "";
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--per-core") perCoreFile = argv[++i];
    else if (argv[i] === "--out") outFile = argv[++i];
    else file = argv[i];
  }
  if (!file) { console.error("usage: share-globals kernel.wasm [--per-core x.percore.json] [--out kernel.wasm]"); return 2; }
  const listed: PerCoreVar[] = perCoreFile && existsSync(perCoreFile) ? JSON.parse(readFileSync(perCoreFile, "utf8")) : [];
  const perCore = new Map(listed.map((v) => [v.global, v]));
  const dir = mkdtempSync(join(tmpdir(), "share-"));
  try {
    const wat = execFileSync("wasm2wat", [file], { encoding: "utf8", maxBuffer: 1 << 28 });
    const r = shareGlobals(wat, perCore);
    writeFileSync(join(dir, "k.wat"), r.wat);
    execFileSync("wat2wasm", ["--debug-names", join(dir, "k.wat"), "-o", outFile || file], { stdio: ["ignore", "ignore", "pipe"] });
    process.stdout.write(`  SHARED   ${file}: ${r.shared.length} module variable(s) for all cores, ${r.perCore.length} per core\n`);
    return 0;
  } catch (e) {
    const msg = e instanceof ShareError ? e.message : (e as { stderr?: Buffer }).stderr?.toString() || (e as Error).message;
    console.error(`error: ${file}: ${msg}`);
    return 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith("share-globals.js")) process.exit(main(process.argv.slice(2)));
