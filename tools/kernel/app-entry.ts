// Writes the kernel's entry module for a program: assembly/main.ts (which
// runs the tour, examples/tour/main.ts, until it is yours) or, with make
// APP=path/to/main.ts, one kept in a folder of its own. The program exports
// `main()` (run on core 0 once every core is online: it spawns the tasks
// and returns, and core 0 then runs its executor) and, if it wants one,
// `worker(core)` (run on cores 1-3; by default they run their executor).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0 || !process.argv[i + 1]) fail(`app-entry: --${name} is required`);
  return process.argv[i + 1];
}

const app = arg("app");
const out = arg("out");
if (!existsSync(app)) fail(`APP=${app}: no such file (give the path of your kernel's main.ts, for example APP=examples/blink/main.ts)`);
if (!app.endsWith(".ts")) fail(`APP=${app}: give a TypeScript file (.ts)`);
const text = readFileSync(app, "utf8");
// `export function main(): void`, or a re-export: `export { main } from "./elsewhere"`.
const reexports = (name: string) => new RegExp(String.raw`^export\s*\{[^}]*\b${name}\b[^}]*\}\s*from\s*["']`, "m").test(text);
if (!/^export\s+function\s+main\s*\(\s*\)\s*:\s*void/m.test(text) && !reexports("main"))
  fail(`${app}: a kernel exports \`export function main(): void\` (core 0 runs it once all four cores are online)`);
const hasWorker = /^export\s+function\s+worker\s*\(/m.test(text) || reexports("worker");
const rel = (p: string): string => {
  let r = relative(dirname(resolve(out)), resolve(p)).replace(/\.ts$/, "");
  if (!r.startsWith(".")) r = "./" + r;
  return r;
};
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, [
  `// Made by tools/kernel/app-entry.ts for APP=${app}: the stub calls kernel_start(core) on every core.`,
  `import { boot } from "${rel("assembly/kernel/boot.ts")}";`,
  hasWorker ? `import { main, worker } from "${rel(app)}";` : `import { main } from "${rel(app)}";`,
  `import { runExecutor } from "${rel("assembly/kernel/exec/index.ts")}";`,
  `/** Core 0: the program's main() spawns its tasks; then this core runs its executor too. */`,
  `function start(): void { main(); runExecutor(); }`,
  hasWorker ? "" : `function worker(core: u32): void { runExecutor(); }`,
  `export function kernel_start(core: u32): void { boot(core, start, worker); }`,
  `// Where in an async function a core was, for the stub's report of a wasm trap.`,
  `export { asyncName as __async_name, asyncLine as __async_line } from "${rel("assembly/arch/sys.ts")}";`,
  `// The heap's and the collector's figures, for the simulator's page (assembly/kernel/mem/figures.ts).`,
  `export { figures as __figures } from "${rel("assembly/kernel/mem/figures.ts")}";`,
  "",
].join("\n"));
