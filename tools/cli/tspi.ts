#!/usr/bin/env node
// The `tspi` command: a kernel kept in a project of its own, built, booted,
// pushed and flashed from there (`npx tspi <command>`). It is a front end
// over the package's Makefile, which it runs in the package's folder with
// the project's build/ and main.ts (B, PROJECT, APP, TSPI_PROJECT): one
// implementation for this repository's `make` and for every project.
//
//   npx tspi init my-kernel        a new project (tools/cli/init.ts)
//   npx tspi build | qemu | sim | console | push | sdcard | flash | gdb | test | bench | doctor
//
// `tspi help` lists the commands and their options.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { availableParallelism } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { packageRoot } from "../kernel/lib-path.js";
import { BOARDS, findBoard } from "../boards/index.js";
import { initProject } from "./init.js";
import { runQemu } from "../run/qemu.js";
import { aspectVersion, findAspect } from "../testing/aspect.js";
import { projectBench } from "../bench/project.js";

export class UsageError extends Error {}

interface Options {
  board?: string;
  backend?: string;
  device?: string;
  baud?: string;
  wait?: string;
  image?: string;
  yes?: boolean;
  force?: boolean;
  timestamps?: boolean;
  verbose?: boolean;
  memory?: string;
  timeout?: string;
}

const COMMANDS: Record<string, string> = {
  init: "init <folder>          a new kernel project in <folder> (src/main.ts, tsconfig.json, a QEMU check)",
  build: "build                  build/kernel8.img from src/main.ts (--backend wasm3|aot)",
  qemu: "qemu                   build, then boot it in QEMU on four cores in our console (--board pi3|pi4, --backend); Ctrl-] quits",
  sim: "sim                    build, then run it in the simulator's page on localhost:8026 (--board): input pins to press, no QEMU or board",
  console: "console                our serial terminal: on a board (--device /dev/ttyUSB0 [--baud]) or on the kernel in QEMU",
  push: "push                   a new kernel.wasm (the development build) into the running kernel, no reboot (through tspi qemu/console, or --device)",
  sdcard: "sdcard                 build/sdcard.img: firmware, device trees, config.txt and this kernel",
  flash: "flash --device /dev/sdX   write the card tspi sdcard built (checked; it builds nothing)",
  gdb: "gdb                    QEMU paused with a gdb server, gdb-multiarch attached (--board)",
  test: "test [NAME ...]        test/*.spec.ts in node against a fake board (as-pect), then each other test/*.ts as a kernel booted in QEMU on every board (or --board), passing when it exits 0",
  bench: "bench [NAME ...]       each bench/*.ts measures itself (bench.row): booted under QEMU -icount on every board and backend (or --board, --backend), a table of exact instruction counts and their change since the last run",
  doctor: "doctor                 what is installed, what is missing, and the commands that install it",
  help: "help                   this list",
};

function usage(): string {
  return [
    "usage: tspi <command> [options]",
    "",
    ...Object.values(COMMANDS).map((c) => "  " + c),
    "",
    "options: --board pi3|pi4  --backend wasm3|aot  --device PATH  --baud N  --wait S  --image FILE",
    "         --memory MB (the kernel's shared memory, default 64)  --timeout S (tspi test and bench, per boot)  --yes  --force  --timestamps  -v",
    "",
    "In a project made by tspi init: the kernel is src/main.ts (or package.json's \"tspi\": { \"main\": ... }); outputs go to build/.",
  ].join("\n");
}

export function parseArgs(argv: string[]): { command: string; rest: string[]; opts: Options } {
  const opts: Options = {};
  const rest: string[] = [];
  const valued: Record<string, keyof Options> = {
    "--board": "board", "--backend": "backend", "--device": "device", "--baud": "baud", "--wait": "wait",
    "--image": "image", "--memory": "memory", "--timeout": "timeout",
  };
  const flags: Record<string, keyof Options> = { "--yes": "yes", "--force": "force", "--timestamps": "timestamps", "-v": "verbose", "--verbose": "verbose" };
  let command = "";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [name, inline] = a.startsWith("--") && a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    if (name in valued) {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith("-")) throw new UsageError(`${name} needs a value`);
      (opts as Record<string, string>)[valued[name]] = v;
    } else if (name in flags) {
      (opts as Record<string, boolean>)[flags[name]] = true;
    } else if (a === "-h" || a === "--help") {
      command = "help";
    } else if (a.startsWith("-")) {
      throw new UsageError(`unknown option ${a}`);
    } else if (!command) {
      command = a;
    } else {
      rest.push(a);
    }
  }
  if (!command) command = "help";
  if (!(command in COMMANDS)) throw new UsageError(`unknown command '${command}': the commands are ${Object.keys(COMMANDS).join(", ")}`);
  if (opts.board) findBoardOrUsage(opts.board);
  if (opts.backend && opts.backend !== "wasm3" && opts.backend !== "aot") throw new UsageError(`--backend ${opts.backend}: give wasm3 (the interpreter, the default) or aot (ahead of time, through wasm2c)`);
  if (opts.memory && !/^\d*[02468]$/.test(opts.memory)) throw new UsageError(`--memory ${opts.memory}: give an even number of MiB, for example 64`);
  return { command, rest, opts };
}

function findBoardOrUsage(name: string): void {
  try { findBoard(name); } catch (e) { throw new UsageError((e as Error).message); }
}

/** The user's project: the nearest folder at or above `from` with a package.json. */
export function findProject(from: string): string {
  let dir = resolve(from);
  while (true) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new UsageError(`no package.json here or above ${from}: run tspi in a kernel's project (npx tspi init my-kernel makes one)`);
    dir = up;
  }
}

/** The project's kernel: package.json's "tspi": { "main": ... }, else src/main.ts. */
export function projectMain(project: string): string {
  let main = "src/main.ts";
  try {
    const pkg = JSON.parse(readFileSync(join(project, "package.json"), "utf8")) as { tspi?: { main?: string } };
    if (pkg.tspi?.main) main = pkg.tspi.main;
  } catch (e) {
    throw new UsageError(`${join(project, "package.json")}: ${(e as Error).message}`);
  }
  const abs = resolve(project, main);
  if (!existsSync(abs)) throw new UsageError(`${relative(process.cwd(), abs) || abs}: no such file: the kernel's main.ts (package.json's "tspi": { "main": ... } names another)`);
  return abs;
}

/** make in the package's folder for `project`, with `targets` and the options as make variables; its exit code. */
export function runMake(project: string, targets: string[], opts: Options, extra: Record<string, string> = {}, parallel = true): number {
  const pkg = packageRoot();
  const vars: Record<string, string> = {
    B: join(project, "build"),
    PROJECT: project,
    TSPI_PROJECT: "1",
    APP: projectMain(project),
    ...extra,
  };
  if (opts.board) vars.BOARD = opts.board;
  if (opts.backend) vars.BACKEND = opts.backend;
  if (opts.device) vars.DEVICE = opts.device;
  if (opts.baud) vars.BAUD = opts.baud;
  if (opts.wait) vars.WAIT = opts.wait;
  if (opts.image) vars.IMAGE = resolve(opts.image);
  if (opts.memory) vars.KERNEL_MEMORY_MB = opts.memory;
  if (opts.yes) vars.YES = "1";
  if (opts.force) vars.FORCE = "1";
  if (opts.timestamps) vars.TIMESTAMPS = "1";
  const args = ["-C", pkg, "--no-print-directory", ...(parallel ? [`-j${availableParallelism()}`] : []),
    ...Object.entries(vars).map(([k, v]) => `${k}=${v}`), ...targets];
  if (opts.verbose) process.stderr.write(`tspi: make ${args.join(" ")}\n`);
  const r = spawnSync("make", args, { stdio: "inherit" });
  if (r.error) {
    if ((r.error as NodeJS.ErrnoException).code === "ENOENT") throw new UsageError("make is not installed: it runs the build (Debian: apt-get install make)");
    throw r.error;
  }
  return r.status ?? 1;
}

/** A project's tests: the specs (test/*.spec.ts) and the QEMU checks (the other test/*.ts), by name; `only` keeps the named ones. */
export function projectTests(project: string, only: string[] = []): { specs: string[]; checks: string[] } {
  const dir = join(project, "test");
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")).sort() : [];
  const name = (f: string) => basename(basename(f, ".ts"), ".spec");
  for (const o of only) {
    if (!files.some((f) => name(f) === name(o))) throw new UsageError(`tspi test ${o}: no test/${name(o)}.spec.ts or test/${name(o)}.ts (the tests: ${files.map(name).join(", ") || "none"})`);
  }
  const kept = files.filter((f) => !only.length || only.some((o) => name(o) === name(f)));
  return {
    specs: kept.filter((f) => f.endsWith(".spec.ts")).map(name),
    checks: kept.filter((f) => !f.endsWith(".spec.ts")).map(name),
  };
}

/** A project's benchmarks: bench/*.ts, by name; `only` keeps the named ones. */
export function projectBenches(project: string, only: string[] = []): string[] {
  const dir = join(project, "bench");
  const all = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")).map((f) => basename(f, ".ts")).sort() : [];
  for (const o of only) {
    if (!all.includes(basename(o, ".ts"))) throw new UsageError(`tspi bench ${o}: no bench/${basename(o, ".ts")}.ts (the benchmarks: ${all.join(", ") || "none"})`);
  }
  return only.length ? all.filter((n) => only.some((o) => basename(o, ".ts") === n)) : all;
}

/** The specs, in node against the fake host (tools/testing/spec.ts); its exit code. */
function runSpecs(project: string, specs: string[]): number {
  if (!findAspect(project)) {
    throw new UsageError(`test/${specs[0]}.spec.ts is an as-pect spec, and as-pect is not installed in this project: npm install --save-dev @as-pect/cli@${aspectVersion()}`);
  }
  const runner = join(packageRoot(), "build", "tools", "tools", "testing", "spec.js");
  const r = spawnSync(process.execPath, [runner, ...specs.map((s) => join("test", `${s}.spec.ts`))], { cwd: project, stdio: "inherit" });
  return r.status ?? 1;
}

async function test(project: string, opts: Options, only: string[]): Promise<number> {
  const { specs, checks } = projectTests(project, only);
  if (!specs.length && !checks.length) {
    process.stderr.write("tspi test: no test/*.ts: a spec (test/x.spec.ts, as-pect's describe/it/expect) runs in node against a fake board; " +
      "a QEMU check (test/x.ts) is a kernel (export function main(): void) that ends with exit(0) when it passes\n");
    return 1;
  }
  if (specs.length) {
    const code = runSpecs(project, specs);
    if (code !== 0) return code;
  }
  if (!checks.length) return 0;
  const images = checks.map((t) => join(project, "build", opts.backend === "aot" ? "aot" : "", "test", `${t}.img`));
  const code = runMake(project, images, opts);
  if (code !== 0) return code;
  const boards = opts.board ? [opts.board] : BOARDS.map((b) => b.name);
  const timeoutMs = Number(opts.timeout ?? 60) * 1000;
  let failed = 0;
  for (const [i, t] of checks.entries()) {
    for (const board of boards) {
      const r = await runQemu({ board, image: images[i], timeoutMs });
      const ok = !r.timedOut && r.code === 0;
      process.stdout.write(`  ${ok ? "ok  " : "FAIL"}     test/${t}.ts on ${board}${ok ? "" : r.timedOut ? `: no exit within ${timeoutMs / 1000} s` : `: exit code ${r.code}`} (${(r.ms / 1000).toFixed(1)} s)\n`);
      if (!ok) { failed++; process.stdout.write(r.output.split("\n").map((l) => `    | ${l}`).join("\n") + "\n"); }
    }
  }
  process.stdout.write(`\n  ${checks.length * boards.length - failed} passed, ${failed} failed\n`);
  return failed ? 1 : 0;
}

function doctor(): number {
  const r = spawnSync(join(packageRoot(), "tools", "setup.sh"), [], { stdio: "inherit", env: { ...process.env, TSPI_PROJECT: "1", SETUP_CHECK_ONLY: "1" } });
  return r.status ?? 1;
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) { process.stderr.write(`tspi: error: ${e.message} (tspi help lists the commands and options)\n`); return 2; }
    throw e;
  }
  const { command, rest, opts } = parsed;
  try {
    switch (command) {
      case "help": process.stdout.write(usage() + "\n"); return 0;
      case "init": {
        if (rest.length !== 1) throw new UsageError("tspi init <folder>: name the new project's folder");
        return initProject(resolve(rest[0]));
      }
      case "doctor": return doctor();
    }
    if (rest.length && command !== "test" && command !== "bench") throw new UsageError(`tspi ${command} takes no argument '${rest[0]}'`);
    const project = findProject(process.cwd());
    switch (command) {
      case "build": return runMake(project, ["all"], opts);
      case "qemu": return buildThen(project, opts, "qemu");
      case "sim": return buildThen(project, opts, "sim", join(project, "build", "kernel.wasm"));
      case "console": return opts.device ? runMake(project, ["console"], opts, {}, false) : buildThen(project, opts, "console");
      case "push": {
        if (opts.backend === "aot") throw new UsageError("tspi push --backend aot: an aot image takes no push (its kernel is compiled into the image): boot a new one (tspi qemu --backend aot), or run a wasm3 image and push into it");
        // The module make push sends: the development build (make push, docs/push.md), not the release one too.
        return buildThen(project, opts, "push", join(project, "build", "dev", "kernel.wasm"));
      }
      case "sdcard": return runMake(project, ["sdcard"], opts);
      case "flash": {
        if (!opts.device) throw new UsageError("tspi flash --device /dev/sdX: name the SD card's device (lsblk lists them)");
        return runMake(project, ["flash"], opts, {}, false);
      }
      case "gdb": return buildThen(project, opts, "gdb");
      case "test": return await test(project, opts, rest);
      case "bench": {
        const benches = projectBenches(project, rest);
        if (!benches.length) {
          process.stderr.write("tspi bench: no bench/*.ts: a benchmark is a kernel that measures itself with bench.row(name, fn) and ends with bench.done() (tspi init's template has one)\n");
          return 1;
        }
        return await projectBench({
          project, benches,
          boards: opts.board ? [opts.board] : BOARDS.map((b) => b.name),
          backends: opts.backend ? [opts.backend as "wasm3" | "aot"] : ["wasm3", "aot"],
          build: (files) => runMake(project, files, opts),
          timeoutMs: Number(opts.timeout ?? 300) * 1000,
        });
      }
    }
    throw new UsageError(`tspi ${command}: not handled`);
  } catch (e) {
    if (e instanceof UsageError) { process.stderr.write(`tspi: error: ${e.message}\n`); return 2; }
    throw e;
  }
}

/** Builds in parallel first, then runs an interactive target alone (its console owns the terminal). */
function buildThen(project: string, opts: Options, target: string, what?: string): number {
  const img = what ?? join(project, "build", opts.backend === "aot" ? "aot" : "", "kernel8.img");
  const built = runMake(project, [img], opts);
  if (built !== 0) return built;
  return runMake(project, [target], opts, {}, false);
}

// (npx runs it through node_modules/.bin/tspi, a link)
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
    process.stderr.write(`tspi: error: ${e instanceof Error ? e.stack : e}\n`);
    process.exit(1);
  });
}
