// asc with the async transform in front: compileKernel(argv) compiles like
// `asc` does (tools/async/asc.ts is its command, tools/async/server.ts keeps
// it loaded between builds), but every source file that uses
// `async`/`await` reaches asc lowered (tools/async/lower.ts). The
// lowered files are kept in build/async/ (same paths), for reading; asc's
// messages about them are moved back to the user's file and line. For each
// async function it prints the bytes of its state machine.
import asc from "assemblyscript/asc";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { lowerSource, mayNeedLowering, LowerResult, MachineInfo, Diagnostic } from "./lower.js";
import { transformProgram, editorDeclarations } from "./program.js";
import { machineBytes } from "./layout.js";
import { checkRawAddresses } from "./raw-address.js";
import { findDroppedFutures } from "./dropped.js";
import { checkPerCoreWrites, stripPerCore, PerCoreVar } from "./percore.js";
import { LoweredFile, sourcePosition } from "./positions.js";
import { perCoreDtoaBuffer } from "./std-dtoa.js";
import { KernelDateNow } from "./std-date.js";
import { shareGlobalsFile } from "../kernel/share-globals.js";
import { relineSourceMap, type SourceMapV3 } from "../kernel/source-map.js";
import { checkWasm } from "../kernel/check-wasm.js";
import { CompileOutput, PROCESS_OUTPUT } from "./output.js";
import { LIB, inLib, libImports, libTarget, packageRoot, rewriteLibImports } from "../kernel/lib-path.js";

const ROOT = process.cwd();
const OUT = join(ROOT, "build", "async");

/** A file of the kernel's own (the project's, not a dependency's) or of the library: what the build reads through its passes. */
export function ours(abs: string): boolean {
  return inLib(abs) || (abs.startsWith(ROOT + "/") && !abs.includes("/node_modules/"));
}

export interface Lowered { abs: string; rel: string; result: LowerResult }

/**
 * The project's files reachable from `entries` through relative imports
 * (read as text: no type-checking), with their text.
 */
export function reachableFiles(entries: string[]): { abs: string; rel: string; text: string }[] {
  const seen = new Set<string>();
  const out: { abs: string; rel: string; text: string }[] = [];
  const todo = entries.map((e) => resolve(e));
  while (todo.length) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    let text: string;
    try { text = readFileSync(file, "utf8"); } catch { continue; }
    out.push({ abs: file, rel: relative(ROOT, file), text });
    const specs = [...text.matchAll(/\bfrom\s+"(\.[^"]*)"|\bimport\s+"(\.[^"]*)"/g)].map((m) => resolve(dirname(file), m[1] ?? m[2]));
    for (const lib of libImports(text)) specs.push(libTarget(lib)!);
    for (const spec of specs) {
      for (const c of [spec + ".ts", join(spec, "index.ts"), spec]) if (existsSync(c) && c.endsWith(".ts")) { todo.push(c); break; }
    }
  }
  return out;
}

/** Whether any file reachable from `entries` uses async. */
export function anyAsync(entries: string[]): boolean {
  return reachableFiles(entries).some((f) => mayNeedLowering(f.text));
}

/** Lowers every file reachable from `entries` that needs it; the transform's errors, if any, and every future made and dropped (in any file of ours: tools/async/dropped.ts). */
export function lowerProgram(entries: string[]): { files: Map<string, Lowered>; errors: Diagnostic[] } {
  if (!anyAsync(entries)) return { files: new Map(), errors: [] };
  const program = transformProgram(entries.map((e) => resolve(e)), { extraRoots: [editorDeclarations(packageRoot())] });
  const checker = program.getTypeChecker();
  const files = new Map<string, Lowered>();
  const errors: Diagnostic[] = [];
  const opts = {
    execModule: join(LIB, "kernel", "exec", "index.ts"),
  };
  for (const sf of program.getSourceFiles()) {
    const file = resolve(sf.fileName);
    if (sf.isDeclarationFile || !ours(file)) continue;
    for (const d of findDroppedFutures(sf, checker)) errors.push({ ...d, file: relative(ROOT, resolve(d.file)) });
    if (!mayNeedLowering(sf.text)) continue;
    const result = lowerSource(sf, checker, opts);
    const rel = relative(ROOT, file);
    for (const d of result.diagnostics) errors.push({ ...d, file: relative(ROOT, resolve(d.file)) });
    if (result.changed) files.set(file, { abs: file, rel, result });
  }
  return { files, errors };
}

/** Writes the lowered files to build/async/ (same paths), for reading. */
export function keepLowered(files: Map<string, Lowered>): void {
  for (const f of files.values()) {
    const out = join(OUT, f.rel);
    mkdirSync(dirname(out), { recursive: true });
    // The note shares the first line, so that every line here is asc's line (and, outside the async functions, the source's).
    writeFileSync(out, `/* Lowered from ${f.rel} by tools/async (make): what its async functions became (their state machines are at the end). Do not edit. */ ${f.result.text}`);
  }
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: error: ${d.message}`;
}

/** asc's text about lowered files, pointed at the user's lines and columns (the lowered place too, where the transform wrote the line). */
export function mapMessages(text: string, files: Map<string, Lowered>): string {
  const texts = new Map<Lowered, LoweredFile>();
  return text.replace(/in ([^\s()]+\.ts)\((\d+),(\d+)\)/g, (all, file: string, line: string, col: string) => {
    const f = files.get(resolve(ROOT, file));
    if (!f) return all;
    if (!texts.has(f)) texts.set(f, { lowered: f.result.text.split("\n"), source: readFileSync(f.abs, "utf8").split("\n"), lineMap: f.result.lineMap });
    const p = sourcePosition(texts.get(f)!, Number(line), Number(col));
    return `in ${file}(${p.line},${p.col})` + (p.rewritten ? ` [in the code lowered from an async function: build/async/${f.rel}(${line},${col})]` : "");
  });
}

/**
 * What asc's "requires at least '65537' pages" means here: the kernel is
 * built without asc's shadow stack (asconfig.json's "stackSize": -1), and
 * a mention of __stack_pointer asks for one of 4 GiB.
 */
export function stackSizeNote(errText: string): string {
  if (!/requires at least '65537' pages/.test(errText)) return "";
  return "error: the kernel mentions __stack_pointer, asc's shadow stack, which kernels are built without (asconfig.json: \"stackSize\": -1; " +
    "the collector finds what a task holds in its fields, docs/memory-model.md): asc then asks for 65537 pages of memory. Remove the mention of __stack_pointer.\n";
}

/**
 * asc's options for a kernel: the package's asconfig.json unless one is
 * given, and the library's runtime and abort/trace/seed handlers by the names asc
 * gives their files from here (assembly/… in this repository,
 * node_modules/tspi/assembly/… in a user's project).
 */
export function kernelOptions(argv: string[]): string[] {
  const out = [...argv];
  const lib = relative(ROOT, LIB) || ".";
  if (!out.includes("--config")) out.push("--config", join(packageRoot(), "asconfig.json"));
  if (!out.includes("--runtime")) out.push("--runtime", `${lib}/kernel/mem/runtime`);
  if (!out.includes("--use")) out.push("--use", `abort=${lib}/arch/sys/kernelAbort`, "--use", `trace=${lib}/arch/sys/kernelTrace`, "--use", `seed=${lib}/arch/sys/kernelSeed`);
  return out;
}


/** One kernel build: `argv` as asc.js takes it. Returns the exit code; everything it says goes to `out`. */
export async function compileKernel(argv: string[], out: CompileOutput = PROCESS_OUTPUT): Promise<number> {
  // The build's later steps, done here too when asked (a resident compiler then saves their node start-ups):
  // the module variables into shared memory, and the module's checks against wasm-validate and the ABI.
  const thenShare = argv.includes("--share-globals"), thenCheck = argv.includes("--check");
  argv = argv.filter((a) => a !== "--share-globals" && a !== "--check");
  const entry = argv[0];
  if (!entry || entry.startsWith("-")) {
    out.stderr("usage: asc.js <entry.ts> [asc options]\n");
    return 2;
  }
  if (!existsSync(entry)) {
    out.stderr(`error: ${entry}: no such file\n`);
    return 1;
  }
  const sources = reachableFiles([entry]).filter((f) => ours(f.abs));
  const raw = checkRawAddresses(sources, LIB);
  if (raw.length) {
    for (const e of raw) out.stderr(formatDiagnostic(e) + "\n");
    out.stderr(`error: ${raw.length} object(s) stored as a raw address, out of the collector's sight (above: the file, line and what to write instead)\n`);
    return 1;
  }
  const perCoreWrites = checkPerCoreWrites(sources);
  if (perCoreWrites.length) {
    for (const e of perCoreWrites) out.stderr(formatDiagnostic(e) + "\n");
    out.stderr(`error: ${perCoreWrites.length} top-level write(s) to @perCore variables, which reach core 0's copy only (above: the file and line)\n`);
    return 1;
  }
  const { files, errors } = lowerProgram([entry]);
  if (errors.length) {
    for (const e of errors) out.stderr(formatDiagnostic(e) + "\n");
    const dropped = errors.filter((e) => e.kind === "dropped").length, rest = errors.length - dropped;
    if (rest) out.stderr(`error: ${rest} construct(s) the async transform cannot lower (above: the file, line and what to write instead)\n`);
    if (dropped) out.stderr(`error: ${dropped} future(s) made and dropped, which would never run (above: the file, line and what to write instead)\n`);
    return 1;
  }
  keepLowered(files);
  let errText = "";
  const perCore = new Map<string, PerCoreVar>();
  const { error } = await asc.main(kernelOptions(argv), {
    readFile(name: string, baseDir: string) {
      const p = resolve(baseDir, name);
      const f = files.get(p);
      let text: string | null = f ? f.result.text : null;
      if (text === null) { try { text = readFileSync(p, "utf8"); } catch { return null; } }
      return ours(p) ? stripPerCore(rewriteLibImports(text, p), relative(ROOT, p), perCore) : text;
    },
    stderr: { write(chunk: string | Uint8Array) { errText += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString(); return true; } } as never,
    transforms: [perCoreDtoaBuffer as never, KernelDateNow as never],
  });
  if (errText) out.stderr(mapMessages(errText, files) + stackSizeNote(errText));
  if (error) return 1;
  // The per-core variables, for tools/kernel/share-globals.ts (beside the .wasm).
  const outAt = argv.indexOf("--outFile");
  const outFile = outAt > 0 ? argv[outAt + 1] : "";
  // asc's source map (--sourceMap) gives the lowered files' lines: an async function's code is in its machine, past the
  // user's last line. Pointed at the user's lines and columns, as asc's messages are (mapMessages), so that a debugger
  // shows and breaks in the async function the user wrote.
  if (outFile && existsSync(`${outFile}.map`) && [...files.values()].some((f) => f.result.changed)) {
    const texts = new Map<Lowered, LoweredFile>();
    const map = relineSourceMap(JSON.parse(readFileSync(`${outFile}.map`, "utf8")) as SourceMapV3, (source, line, col) => {
      const f = files.get(resolve(ROOT, source));
      if (!f || !f.result.changed) return null;
      if (!texts.has(f)) texts.set(f, { lowered: f.result.text.split("\n"), source: readFileSync(f.abs, "utf8").split("\n"), lineMap: f.result.lineMap });
      return sourcePosition(texts.get(f)!, line, col);
    });
    writeFileSync(`${outFile}.map`, JSON.stringify(map));
  }
  const perCoreFile = outFile.replace(/\.wasm$/, "") + ".percore.json";
  if (outFile) writeFileSync(perCoreFile, JSON.stringify([...perCore.values()].sort((a, b) => a.global.localeCompare(b.global)), null, 1) + "\n");

  const machines: MachineInfo[] = [...files.values()].flatMap((f) => f.result.machines);
  for (const m of machines) {
    const { bytes, heap } = machineBytes(m);
    out.stdout(`  ASYNC    ${m.name} (${relative(ROOT, resolve(m.file))}:${m.line}): ${bytes} bytes of state (${heap} on the heap), ${m.states} states\n`);
  }
  if ((thenShare || thenCheck) && !outFile) { out.stderr("error: --share-globals and --check need --outFile\n"); return 2; }
  // A later step that fails leaves no module behind (make would take it as built); exit code 3: not asc's error.
  if (thenShare && shareGlobalsFile(relative(ROOT, outFile), perCoreFile, "", out) !== 0) { rmSync(outFile, { force: true }); return 3; }
  if (thenCheck) {
    const problems = checkWasm(outFile);
    for (const p of problems) out.stderr(`error: ${outFile}: ${p}\n`);
    if (problems.length) { rmSync(outFile, { force: true }); return 3; }
  }
  return 0;
}
