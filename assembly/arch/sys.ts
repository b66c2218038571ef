// Panic, exit and the machine's identity (host module "sys").
import { sys as host } from "./host";
import { println } from "./console";
import { msgBegin, msgText, msgDec, msgPanic } from "./panic";
import { cpu } from "./host";

// Where this core is in an async function (wasm globals are per core): set
// by the code the async transform makes, as it goes from line to line, and
// cleared by the executor after each poll; a panic names it.
// The kernel's entry exports both (build/app/index.ts, from tools/kernel/app-entry.ts: __async_name,
// __async_line) so that the stub can name the place in a wasm trap too.
// @ts-ignore: decorator
@perCore export let asyncName: usize = 0;
// @ts-ignore: decorator
@perCore export let asyncLine: u32 = 0;

/** Called by lowered async functions (tools/async): `name` is a static string. */
// @ts-ignore: decorator
@inline export function noteAsync(name: string, line: u32): void { asyncName = changetype<usize>(name); asyncLine = line; }
/** The line changed, in the same async function. */
// @ts-ignore: decorator
@inline export function noteAsyncLine(line: u32): void { asyncLine = line; }
/** The executor, after each poll: no async function runs on this core now. */
// @ts-ignore: decorator
@inline export function clearAsync(): void { asyncName = 0; }

/** The message, and where in an async function this core was, if it was in one. */
function located(message: string, file: string, line: u32, column: u32): void {
  msgBegin();
  msgText(message);
  // An abort in the async function's own code: asc placed it in the machine
  // the transform wrote after the file's last line, so the line noted as
  // the function ran is the user's (the source's column is not known there).
  const own = file.length > 0 && inFileOf(changetype<string>(asyncName), file);
  if (own) { msgText(" at "); msgText(file); msgText(":"); msgDec(asyncLine); }
  else if (file.length) { msgText(" at "); msgText(file); msgText(":"); msgDec(line); msgText(":"); msgDec(column); }
  msgText(", in async function ");
  msgText(changetype<string>(asyncName));
  msgText(" at line ");
  msgDec(asyncLine);
  msgPanic();
}

/**
 * AssemblyScript's trace(message, n, a0..a4), wired in by `--use
 * trace=assembly/arch/sys/kernelTrace` in asconfig.json (std's own imports
 * env.trace, which the host does not have): one console line, as
 * AssemblyScript's loader prints it, `trace: message a0, a1`.
 */
export function kernelTrace(message: string, n: i32 = 0, a0: f64 = 0, a1: f64 = 0, a2: f64 = 0, a3: f64 = 0, a4: f64 = 0): void {
  let line = "trace: " + message;
  if (n > 0) line += " " + a0.toString();
  if (n > 1) line += ", " + a1.toString();
  if (n > 2) line += ", " + a2.toString();
  if (n > 3) line += ", " + a3.toString();
  if (n > 4) line += ", " + a4.toString();
  println(line);
}

/** Whether the async function `name` ("f (path:line)") is in `file` (no allocation: this runs in a panic). */
function inFileOf(name: string, file: string): bool {
  const open = name.lastIndexOf("(");
  if (open < 0 || open + 1 + file.length >= name.length || name.charCodeAt(open + 1 + file.length) != 0x3A) return false;
  for (let i = 0; i < file.length; i++) if (name.charCodeAt(open + 1 + i) != file.charCodeAt(i)) return false;
  return true;
}

/** Stops the kernel on this core with `panic: core N: <message>`. Other cores go on. */
export function panic(message: string): void {
  if (asyncName) located(message, "", 0, 0);
  host.panic(changetype<usize>(message), message.length, 0, 0, 0, 0);
  unreachable();
}

/** Ends the run: QEMU exits with `code` under -semihosting (tests); a board parks. */
export function exit(code: i32): void {
  host.exit(code);
  unreachable();
}

/** Board number as the host reports it (see board/index.ts). */
export function boardId(): u32 { return host.board(); }
/** RAM of the board in bytes. */
export function memoryBytes(): u64 { return host.memoryBytes(); }
/** Host ABI version the stub implements. */
export function hostAbiVersion(): u32 { return host.abiVersion(); }

/**
 * AssemblyScript's abort (assert, throw, failed bounds checks), wired in by
 * `--use abort=assembly/arch/sys/kernelAbort` in asconfig.json.
 */
export function kernelAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  const msg = message !== null ? message : "abort";
  const file = fileName !== null ? fileName : "";
  if (asyncName) located(msg, file, line, column);
  host.panic(changetype<usize>(msg), msg.length, changetype<usize>(file), file.length, line, column);
  unreachable();
}

/**
 * Math.random()'s seed: asc's `seed` import, routed here with `--use
 * seed=assembly/arch/sys/kernelSeed` (tools/async/compile.ts), so a kernel
 * needs no host import for it. drivers/rng.ts, which every kernel has
 * (kernel/boot.ts imports it), sets the source: the hardware generator where
 * one answers, mixed with the counters. Without it (a spec, a harness) the
 * generic timer's counter.
 */
let seedSource: (() => f64) | null = null;
export function setSeedSource(f: () => f64): void { seedSource = f; }
export function kernelSeed(): f64 {
  const f = seedSource;
  return f ? f() : reinterpret<f64>(cpu.counter() ^ 0x9e3779b97f4a7c15);
}

/**
 * `Date.now()`: asc's std calls the host's `env.Date.now`, which the stub
 * does not have; tools/async/std-date.ts (an asc transform the build and the
 * spec runner apply) points that call here instead, so a kernel needs no
 * host import for it. kernel/clock.ts, once a kernel imports it, sets the
 * source: its wall clock. Without it, or before it is set, the time since
 * boot in milliseconds: `Date.now()` is then 1970-01-01 plus the uptime.
 */
let nowSource: (() => f64) | null = null;
export function setNowSource(f: () => f64): void { nowSource = f; }
export function kernelNow(): f64 {
  const f = nowSource;
  return f ? f() : <f64>uptimeMillis();
}

/** Milliseconds since the generic timer started counting (at reset: the boot), from its counter and frequency, without overflow. */
export function uptimeMillis(): u64 {
  const t = cpu.counter(), hz = cpu.frequency();
  if (hz == 0) return 0;
  return (t / hz) * 1000 + (t % hz) * 1000 / hz;
}

