// Module variables are one variable for the four cores (issue 17,
// docs/memory-model.md). asc compiles a module-level `let` (and a `const`
// it cannot fold, a static field) to a wasm global, and every core's
// runtime has its own globals; this pass, run on each kernel.wasm after
// asc, moves every such mutable global into a slot of shared memory at the
// top of the linear memory (the heap ends below it: SHARED_GLOBALS_BYTES in
// assembly/kernel/mem/heap.ts) and turns each global.get into a load and
// each global.set into a store. Core 0 writes the initial values at the
// start of _initialize, which the stub runs on core 0 alone, before any
// core runs kernel_start: module variables are initialised once.
//
// Left per core, as globals:
//   - the ones the kernel declares per core: `@perCore let x = ...` (the
//     async transform's reader strips the decorator and lists them in
//     build/<kernel>.percore.json); their initial value must be a constant,
//     because cores 1-3 start from it without running _initialize;
//   - asc's own and its standard library's scratch (STD_GLOBALS below: every
//     mutable global asc 0.27.37 emits, each with the reason it is per core
//     or shared; one it does not know stops the build);
//   - exported ones (the stub reads __async_name and __async_line of the
//     core that trapped).
//
//   node share-globals.js kernel.wasm [--per-core build/x.percore.json] [--out kernel.wasm]
//
// The edit is on wabt's text (wasm2wat, then wat2wasm), line by line.
import { remapSourceMap, type SourceMapV3 } from "./source-map.js";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PerCoreVar } from "../async/percore.js";   // a @perCore variable, as the build lists it
import { CompileOutput, PROCESS_OUTPUT } from "../async/output.js";


/** The bytes at the top of linear memory that hold the shared module variables (as kernel/mem/heap.ts reserves). */
export const SHARED_GLOBALS_BYTES = 8192;
const SLOT = 8;

export interface Shared { name: string; type: string; init: string; addr: number }
export interface ShareResult { wat: string; shared: Shared[]; perCore: string[]; warnings: string[] }

const LOAD: Record<string, string> = { i32: "i32.load", i64: "i64.load", f32: "f32.load", f64: "f64.load" };
const STORE: Record<string, string> = { i32: "i32.store", i64: "i64.store", f32: "f32.store", f64: "f64.store" };

export class ShareError extends Error {}

/**
 * Every mutable global asc 0.27.37 and its standard library emit (found by
 * reading std/assembly/*.ts and compiling kernels that use each part), and
 * where it lives. Per core: scratch that std sets and reads within one
 * call, so each core needs its own (a shared one would let two cores
 * formatting a number at once corrupt each other's digits). Shared:
 * program state, one for the four cores (per core, core 1 did not see the
 * Symbol core 0 registered, and wrote a Map through a null reference).
 * asc's runtime globals (rt/tlsf, rt/itcms) are not listed: the kernel has
 * its own runtime (assembly/kernel/mem/runtime.ts), and `"stackSize": -1`
 * leaves no __stack_pointer.
 */
export const STD_GLOBALS: Record<string, { shared: boolean; why: string }> = {
  "~started": { shared: false, why: "asc's guard in _initialize, which core 0 alone runs" },
  "~argumentsLength": { shared: false, why: "how many arguments the call being made passes, set just before it" },
  "~lib/symbol/stringToId": { shared: true, why: "Symbol.for's registry: a symbol is the same on every core (Symbol.for runs under a lock: SYMBOL_FOR)" },
  "~lib/symbol/idToString": { shared: true, why: "the registry's other half (keyFor, toString)" },
  "~lib/symbol/nextId": { shared: true, why: "Symbol()'s counter: ids never repeat across cores (each increment made atomic: NEXT_ID)" },
  "~lib/util/number/_K": { shared: false, why: "dtoa (number to string): Grisu's scratch within one call" },
  "~lib/util/number/_exp": { shared: false, why: "dtoa's scratch within one call" },
  "~lib/util/number/_frc_minus": { shared: false, why: "dtoa's scratch within one call" },
  "~lib/util/number/_frc_plus": { shared: false, why: "dtoa's scratch within one call" },
  "~lib/util/number/_frc_pow": { shared: false, why: "dtoa's scratch within one call" },
  "~lib/util/number/_exp_pow": { shared: false, why: "dtoa's scratch within one call" },
  "~lib/util/string/__fixmulShift": { shared: false, why: "strtod (parseFloat): a second result of one call" },
  "~lib/util/math/log_tail": { shared: false, why: "pow's log: a second result of one call" },
  "~lib/date/_month": { shared: false, why: "Date's calendar: a second result of one call" },
  "~lib/date/_day": { shared: false, why: "Date's calendar: a third result of one call" },
  "~lib/math/rempio2_y0": { shared: false, why: "sin/cos/tan's argument reduction: results of one call" },
  "~lib/math/rempio2_y1": { shared: false, why: "sin/cos/tan's argument reduction: results of one call" },
  "~lib/math/res128_hi": { shared: false, why: "a 128-bit product's high half: a second result of one call" },
  "~lib/math/rempio2f_y": { shared: false, why: "Mathf's argument reduction: a result of one call" },
  "~lib/math/NativeMath.sincos_sin": { shared: false, why: "Math.sincos's results, read by its caller right after the call" },
  "~lib/math/NativeMath.sincos_cos": { shared: false, why: "Math.sincos's results, read by its caller right after the call" },
  "~lib/math/NativeMathf.sincos_sin": { shared: false, why: "Mathf.sincos's results, read by its caller right after the call" },
  "~lib/math/NativeMathf.sincos_cos": { shared: false, why: "Mathf.sincos's results, read by its caller right after the call" },
  "~lib/math/random_seeded": { shared: false, why: "Math.random's generator: one per core, each seeded on its first use (a shared one would race: two cores could draw the same number)" },
  "~lib/math/random_state0_64": { shared: false, why: "Math.random's generator state, per core" },
  "~lib/math/random_state1_64": { shared: false, why: "Math.random's generator state, per core" },
  "~lib/math/random_state0_32": { shared: false, why: "Mathf.random's generator state, per core" },
  "~lib/math/random_state1_32": { shared: false, why: "Mathf.random's generator state, per core" },
};
const SYMBOL_FOR = "$~lib/symbol/_Symbol.for";
const NEXT_ID = "$~lib/symbol/nextId";

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
    if (bare.startsWith("~share/")) continue;
    if (bare.startsWith("~")) {
      const std = STD_GLOBALS[bare];
      if (!std) throw new ShareError(`asc emitted a global of its own that tools/kernel/share-globals.ts does not know, ${bare}: read where the standard library uses it and add it to STD_GLOBALS, shared or per core, with the reason`);
      if (!std.shared) { kept.push(bare); continue; }
    } else if (exported.has(name) || perCore.has(bare)) { kept.push(bare); continue; }
    const addr = top - SHARED_GLOBALS_BYTES + shared.size * SLOT;
    if (shared.size * SLOT >= SHARED_GLOBALS_BYTES)
      throw new ShareError(`more than ${SHARED_GLOBALS_BYTES / SLOT} module variables to share: make SHARED_GLOBALS_BYTES larger in tools/kernel/share-globals.ts and assembly/kernel/mem/heap.ts`);
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
  const std = symbolsUnderLock(lines, shared, top);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    const fetchAdd = std.atomicAt.get(i);
    if (fetchAdd) { out.push(...fetchAdd); i += 4; continue; }
    if (i === std.renameAt) line = line.replace(SYMBOL_FOR, `${SYMBOL_FOR}~unlocked`);
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
  if (std.wrapper.length) out.splice(out.findIndex((l) => /^\s*\((elem|data|export|start) /.test(l)), 0, ...std.wrapper);   // after the last function
  if (std.imports.length) out.splice(out.findIndex((l) => /^\s*\(func /.test(l)), 0, ...std.imports);
  return { wat: out.join("\n"), shared: [...shared.values()], perCore: kept, warnings: std.warnings };
}

/**
 * Symbol's shared state, made safe on four cores: each `nextId++` (std's
 * Symbol() and Symbol.for; Binaryen inlines Symbol() into its callers) an
 * atomic fetch-and-add, and Symbol.for, which adds to the registry's two
 * Maps, run under a spin lock in the shared region (a wrapper under its
 * name; the original is renamed). Binaryen can inline Symbol.for too (a
 * kernel that calls it from one place): then it cannot be wrapped, and the
 * build says so. Symbol.keyFor and a symbol's toString read the registry
 * without the lock (inlined wherever they are called): registering keys on
 * one core while another looks one up is not safe.
 */
function symbolsUnderLock(lines: string[], shared: Map<string, Shared>, top: number): { atomicAt: Map<number, string[]>; renameAt: number; wrapper: string[]; imports: string[]; warnings: string[] } {
  const none = { atomicAt: new Map<number, string[]>(), renameAt: -1, wrapper: [] as string[], imports: [] as string[], warnings: [] as string[] };
  const next = shared.get(NEXT_ID);
  if (!next) return none;
  const importName = (field: string, sig: string): { name: string; decl: string | null } => {
    const m = lines.map((l) => new RegExp(`^\\s*\\(import "atomic" "${field}" \\(func (\\$\\S+)`).exec(l)).find((x) => x);
    return m ? { name: m[1], decl: null } : { name: `$~share/atomic.${field}`, decl: `  (import "atomic" "${field}" (func $~share/atomic.${field} ${sig}))` };
  };
  const add = importName("add32", "(param i32 i32) (result i32)");
  const atomicAt = new Map<number, string[]>();
  for (let i = 0; i + 4 < lines.length; i++) {
    if (!lines[i].trim().startsWith(`global.get ${NEXT_ID}`)) continue;
    const tee = /^(\s*)local\.tee (\S+)$/.exec(lines[i + 1]);
    if (tee && lines[i + 2].trim() === "i32.const 1" && lines[i + 3].trim() === "i32.add" && lines[i + 4].trim() === `global.set ${NEXT_ID}`) {
      const ind = tee[1];
      atomicAt.set(i, [`${ind}i32.const ${next.addr}`, `${ind}i32.const 1`, `${ind}call ${add.name}`, `${ind}local.set ${tee[2]}`]);
    }
  }
  const sets = lines.filter((l) => l.trim().startsWith(`global.set ${NEXT_ID}`)).length;
  if (sets !== atomicAt.size)
    throw new ShareError(`std's Symbol counter (${NEXT_ID.slice(1)}) is changed in a way tools/kernel/share-globals.ts does not recognise (${sets - atomicAt.size} of ${sets} places): two cores could make the same Symbol(); teach symbolsUnderLock the new form`);
  const imports = atomicAt.size && add.decl ? [add.decl] : [];
  const renameAt = lines.findIndex((l) => l.startsWith(`  (func ${SYMBOL_FOR} `));
  if (renameAt < 0) {
    const warnings = shared.has("$~lib/symbol/stringToId")
      ? ["Symbol.for was inlined into its caller, so it runs without the registry's lock: call it from one core at a time"] : [];
    return { ...none, atomicAt, imports, warnings };
  }
  const sig = /^  \(func \S+ (?:\(type \d+\) )?(\(param [^)]*\)) (\(result [^)]*\))/.exec(lines[renameAt]);
  if (!sig) throw new ShareError(`std's Symbol.for has an unexpected signature: ${lines[renameAt].trim()}`);
  const lock = top - SHARED_GLOBALS_BYTES + shared.size * SLOT;      // the slot after the last shared variable
  if ((shared.size + 1) * SLOT > SHARED_GLOBALS_BYTES) throw new ShareError("no room for the Symbol registry's lock in the shared region: make SHARED_GLOBALS_BYTES larger");
  const cas = importName("cas32", "(param i32 i32 i32) (result i32)");
  const store = importName("store32", "(param i32 i32)");
  for (const x of [cas, store]) if (x.decl) imports.push(x.decl);
  const wrapper = [
    `  (func ${SYMBOL_FOR} ${sig[1]} ${sig[2]} (local i32)`,
    `    loop  ;; the registry's lock (tools/kernel/share-globals.ts)`,
    `      i32.const ${lock}`, `      i32.const 0`, `      i32.const 1`, `      call ${cas.name}`, `      br_if 0`,
    `    end`,
    `    local.get 0`, `    call ${SYMBOL_FOR}~unlocked`, `    local.set 1`,
    `    i32.const ${lock}`, `    i32.const 0`, `    call ${store.name}`,
    `    local.get 1)`,
  ];
  return { atomicAt, renameAt, wrapper, imports, warnings: [] };
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

/**
 * share-globals on a file: rewrites `file` (or writes `outFile`) with its
 * module variables in shared memory, the ones `perCoreFile` lists per core.
 * Returns the exit code; says what it did, or why not, through `out`.
 */
export function shareGlobalsFile(file: string, perCoreFile: string, outFile = "", out: CompileOutput = PROCESS_OUTPUT): number {
  const listed: PerCoreVar[] = perCoreFile && existsSync(perCoreFile) ? JSON.parse(readFileSync(perCoreFile, "utf8")) : [];
  const perCore = new Map(listed.map((v) => [v.global, v]));
  const dir = mkdtempSync(join(tmpdir(), "share-"));
  try {
    const before = readFileSync(file);
    const wat = execFileSync("wasm2wat", [file], { encoding: "utf8", maxBuffer: 1 << 28 });
    const r = shareGlobals(wat, perCore);
    writeFileSync(join(dir, "k.wat"), r.wat);
    execFileSync("wat2wasm", ["--debug-names", join(dir, "k.wat"), "-o", outFile || file], { stdio: ["ignore", "ignore", "pipe"] });
    // asc's source map (--sourceMap), carried over to the rewritten module's offsets.
    const map = `${file}.map`;
    if (existsSync(map)) {
      const remapped = remapSourceMap(JSON.parse(readFileSync(map, "utf8")) as SourceMapV3, before, readFileSync(outFile || file));
      writeFileSync(`${outFile || file}.map`, JSON.stringify(remapped));
    }
    for (const w of r.warnings) out.stderr(`  warning: ${w}\n`);   // (through `out`: a resident compiler's reply carries it)
    out.stdout(`  SHARED   ${file}: ${r.shared.length} module variable(s) for all cores, ${r.perCore.length} per core\n`);
    return 0;
  } catch (e) {
    const msg = e instanceof ShareError ? e.message : (e as { stderr?: Buffer }).stderr?.toString() || (e as Error).message;
    out.stderr(`error: ${file}: ${msg}\n`);
    return 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function main(argv: string[]): number {
  let file = "", perCoreFile = "", outFile = "";
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--per-core") perCoreFile = argv[++i];
    else if (argv[i] === "--out") outFile = argv[++i];
    else file = argv[i];
  }
  if (!file) { console.error("usage: share-globals kernel.wasm [--per-core x.percore.json] [--out kernel.wasm]"); return 2; }
  return shareGlobalsFile(file, perCoreFile, outFile);
}

if (process.argv[1]?.endsWith("share-globals.js")) process.exit(main(process.argv.slice(2)));
