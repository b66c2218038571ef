// The spec runner: as-pect with the async transform in front. Specs
// (*.spec.ts) are kernel code compiled to wasm with the kernel's own runtime
// and allocator and run in node against the recording fake host
// (tools/testing/fake-host.ts); they import what they test and
// "tspi/testing" (assembly/testing/). make test-host runs tests/spec/ here;
// `tspi test` runs a project's test/*.spec.ts.
//
//   node spec.js [--dir FOLDER] [FILE.spec.ts ...] [as-pect options]
//
// With no FILE, every *.spec.ts of FOLDER (default tests/spec, else test).
// The specs and everything they import reach asc lowered, as in a kernel
// build (tools/async/compile.ts). as-pect reads sources with
// fs.readFileSync and offers no hook, so this runner lowers them first and
// answers those reads. Its asconfig (build/aspect/asconfig.json) and its
// config (aspect-config.ts) are the package's, with absolute paths, so a
// project needs no file of as-pect's own.
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { lowerProgram, formatDiagnostic, keepLowered, mapMessages, ours } from "../async/compile.js";
import { LIB, rewriteLibImports } from "../kernel/lib-path.js";
import { aspectVersion, findAspect } from "./aspect.js";
import { stripPerCore } from "../async/percore.js";

/** The spec files: the FILE arguments, else FOLDER's *.spec.ts. */
export function specFiles(cwd: string, dir: string | undefined, files: string[]): string[] {
  if (files.length) return files.map((f) => resolve(cwd, f));
  const folder = resolve(cwd, dir ?? (fs.existsSync(join(cwd, "tests/spec")) ? "tests/spec" : "test"));
  if (!fs.existsSync(folder)) return [];
  return fs.readdirSync(folder).filter((f) => f.endsWith(".spec.ts")).sort().map((f) => join(folder, f));
}

/** The asconfig as-pect compiles each spec with: the kernel's runtime, one memory as the board's is fixed. */
export function aspectAsconfig(aspectAssembly: string, out: string, cwd: string): object {
  return {
    // as-pect's transform, and std's Date.now() routed to the kernel's clock (tools/async/std-date.ts), as in a kernel build
    targets: { noCoverage: { transform: ["@as-pect/transform", join(dirname(fileURLToPath(import.meta.url)), "..", "async", "std-date.js")] } },
    options: {
      exportMemory: true,
      outFile: join(out, "output.wasm"),
      textFile: join(out, "output.wat"),
      bindings: "raw",
      exportStart: "_start",
      exportRuntime: true,
      debug: true,
      exportTable: true,
      runtime: relative(cwd, join(LIB, "kernel", "mem", "runtime")),   // (not a path to asc: read as given, from the folder it runs in)
      stackSize: -1,
      initialMemory: 256,
      maximumMemory: 256,
    },
    entries: [relative(out, aspectAssembly)],
  };
}

async function main(argv: string[]): Promise<void> {
  const cwd = process.cwd();
  let dir: string | undefined;
  const files: string[] = [];
  const passOn: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--dir") dir = argv[++i];
    else if (argv[i].endsWith(".spec.ts") && !argv[i].startsWith("-")) files.push(argv[i]);
    else passOn.push(argv[i]);
  }
  if (!files.length && process.env.SPEC) files.push(process.env.SPEC);
  const entries = specFiles(cwd, dir, files);
  for (const f of entries) {
    if (!fs.existsSync(f)) { process.stderr.write(`spec: ${relative(cwd, f)}: no such file\n`); process.exit(2); }
  }
  if (!entries.length) { process.stderr.write(`spec: no *.spec.ts in ${dir ?? "tests/spec or test"}\n`); process.exit(2); }

  const aspect = findAspect(cwd);
  if (!aspect) {
    process.stderr.write(`spec: ${relative(cwd, entries[0])} is an as-pect spec, and as-pect is not installed here: ` +
      `npm install --save-dev @as-pect/cli@${aspectVersion()} (tspi init's projects list it)\n`);
    process.exit(2);
  }

  const { files: lowered, errors } = lowerProgram(entries);
  if (errors.length) {
    for (const e of errors) process.stderr.write(formatDiagnostic(e) + "\n");
    process.exit(1);
  }
  keepLowered(lowered);
  const out = join(cwd, "build", "aspect");
  fs.mkdirSync(out, { recursive: true });
  const asconfig = join(out, "asconfig.json");
  fs.writeFileSync(asconfig, JSON.stringify(aspectAsconfig(aspect.assembly, out, cwd), null, 2) + "\n");
  process.env.TSPI_SPECS = JSON.stringify(entries.map((e) => relative(cwd, e)));

  const read = fs.readFileSync;
  const perCore = new Map<string, { global: string; file: string; line: number }>();   // (the specs run one instance: per core is per instance, nothing to share)
  fs.readFileSync = ((path: fs.PathOrFileDescriptor, options?: unknown) => {
    if (typeof path === "string") {
      const abs = resolve(path);
      const f = lowered.get(abs);
      if (f) return stripPerCore(rewriteLibImports(f.result.text, abs), relative(cwd, abs), perCore);
      if (abs.endsWith(".ts") && ours(abs)) {
        const text = (read as (p: string, o: string) => string)(path, "utf8");
        const stripped = stripPerCore(rewriteLibImports(text, abs), relative(cwd, abs), perCore);
        return typeof options === "string" || (options as { encoding?: string })?.encoding ? stripped : Buffer.from(stripped);
      }
    }
    return (read as (p: fs.PathOrFileDescriptor, o?: unknown) => string | Buffer)(path, options);
  }) as typeof fs.readFileSync;
  syncBuiltinESMExports();
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) =>
    write(typeof chunk === "string" ? mapMessages(chunk, lowered) : chunk, ...(rest as []))) as typeof process.stderr.write;
  const config = join(dirname(fileURLToPath(import.meta.url)), "aspect-config.js");
  const { asp } = await import(aspect.cli) as { asp(argv: string[]): Promise<void> };
  // (as-pect joins --config to the folder it runs in: a relative path)
  await asp([process.argv[0], "asp", "--config", relative(cwd, config), "--as-config", asconfig, ...passOn]);
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
