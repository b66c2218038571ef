// One core of the simulated board: what the stub's boot/wasm/host.c
// wasm_run does on a board, in a worker (node's worker_threads or the
// browser's Worker; core-node.ts and the page start it). Core 0 runs the
// module's top-level code (_initialize) once; every core then calls
// kernel_start(core); a trap prints its panic line and stops the core, or,
// when the kernel said it may be recovered from (sys.recoverable), calls
// kernel_start again, with sys.trapped() 1.
import { SimState, W, C } from "./state.js";
import { Machine, type BoardName } from "./machine.js";
import { coreHost, HostTrap, KernelPanic, KernelExit, Halted, type CoreHost } from "./host.js";

export interface CoreStart {
  core: number;
  board: BoardName;
  state: SharedArrayBuffer;
  memory: WebAssembly.Memory;
  /** kernel.wasm prepared for this core (module.ts: core 0's keeps its data segments). */
  module: WebAssembly.Module;
  /** The run it belongs to (W.RUN): a push starts another, and this core then stops without a word. */
  run: number;
}

/** What the message of a trap is in wasm3's words (the stub's panic lines, which the tests match). */
export function trapMessage(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  if (e instanceof RangeError && /call stack/i.test(text)) return "[trap] stack overflow";
  const known: [RegExp, string][] = [
    [/unreachable/i, "unreachable executed"],
    [/memory access out of bounds|out of bounds memory/i, "out of bounds memory access"],
    [/divide by zero|division by zero/i, "integer divide by zero"],
    [/integer overflow|divide result unrepresentable/i, "integer overflow"],
    [/float unrepresentable|unrepresentable in integer/i, "invalid conversion to integer"],
    [/signature mismatch|null function|function signature/i, "indirect call type mismatch"],
    [/table index is out of bounds/i, "undefined element"],
  ];
  for (const [re, m] of known) if (re.test(text)) return `[trap] ${m}`;
  return `[trap] ${text}`;
}

/** The innermost wasm function of a trap's stack, by its name-section name: "at <name> (wasm://...)". */
export function trapFunction(e: unknown): string | null {
  const stack = e instanceof Error ? e.stack ?? "" : "";
  for (const line of stack.split("\n")) {
    const m = /^\s*at (\S+) \(wasm:\/\//.exec(line) ?? /^\s*at (\S+) \(.*wasm-function/.exec(line);
    if (m) return m[1];
  }
  return null;
}

/** ", in async function f (file:line) at line N": the kernel's __async_name/__async_line (host_common.c async_where). */
function asyncWhere(instance: WebAssembly.Instance, memory: WebAssembly.Memory): string {
  const g = instance.exports as Record<string, unknown>;
  const name = g.__async_name, line = g.__async_line;
  if (!(name instanceof WebAssembly.Global) || !(line instanceof WebAssembly.Global)) return "";
  const text = asyncText(memory, (name.value as number) >>> 0);
  return text ? `, in async function ${text} at line ${(line.value as number) >>> 0}` : "";
}

/** The string at `at` the kernel's __async_name points to ("f (file:line)"), checked against memory; "" if it is none. */
export function asyncText(memory: WebAssembly.Memory, at: number): string {
  const bytes = new Uint8Array(memory.buffer);
  if (at < 4 || at >= bytes.length) return "";
  const size = new DataView(memory.buffer).getUint32(at - 4, true);
  if (size > 200 || at + size > bytes.length) return "";
  let text = "";
  for (let i = 0; i + 1 < size; i += 2) { const u = bytes[at + i] | (bytes[at + i + 1] << 8); text += u >= 32 && u < 127 ? String.fromCharCode(u) : "?"; }
  return text;
}

function report(core: number, host: CoreHost, instance: WebAssembly.Instance | null, memory: WebAssembly.Memory, e: unknown): void {
  if (e instanceof KernelPanic || e instanceof KernelExit) return;
  const where = instance ? asyncWhere(instance, memory) : "";
  if (e instanceof HostTrap) { host.line(`panic: core ${core}: ${e.message}${where}`); return; }
  if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError) {
    const fn = trapFunction(e);
    host.line(`panic: core ${core}: ${trapMessage(e)}${fn ? ` in ${fn}` : ""}${where}`);
    return;
  }
  host.line(`panic: core ${core}: the simulator failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
}

/** Runs core `start.core` until its kernel stops; returns the reason for the controlling thread. */
export function runCore(start: CoreStart, post: (message: unknown) => void = () => {}): string {
  const s = new SimState(start.state);
  const m = new Machine(s, start.board);
  const a = s.i32, core = start.core, at = s.core(core), bit = 1 << core;
  const host = coreHost(core, s, m, start.memory, start.run, post);
  let instance: WebAssembly.Instance | null = null;
  const current = () => Atomics.load(a, W.RUN) === start.run;
  const leave = (why: string) => {
    if (!current()) return "halted";                      // a push: the words are the next run's now
    host.flush();
    Atomics.and(a, W.RUNNING, ~bit);
    Atomics.store(a, at + C.STATE, 2);
    if (Atomics.load(a, W.RUNNING) === 0) Atomics.compareExchange(a, W.ENDED, 0, 2);
    Atomics.add(a, W.TX_SIGNAL, 1);
    Atomics.notify(a, W.TX_SIGNAL);
    return why;
  };
  try {
    instance = new WebAssembly.Instance(start.module, { ...host.imports, env: { memory: start.memory } });
    host.attach(instance);
  } catch (e) {
    if (core === 0) { Atomics.store(a, W.INIT, 2); Atomics.notify(a, W.INIT); }
    host.line(`panic: core ${core}: kernel.wasm rejected: ${e instanceof Error ? e.message : String(e)}${e instanceof WebAssembly.LinkError ? " (the kernel was built for another host ABI?)" : ""}`);
    return leave("rejected");
  }
  const exports = instance.exports as Record<string, unknown>;
  const kernelStart = exports.kernel_start;
  if (!current()) return "halted";
  Atomics.or(a, W.RUNNING, bit);
  Atomics.store(a, at + C.STATE, 1);
  if (core === 0) {
    try {
      if (typeof exports._initialize === "function") (exports._initialize as () => void)();
      Atomics.store(a, W.INIT, 1);
    } catch (e) {
      if (e instanceof Halted) return "halted";
      Atomics.store(a, W.INIT, 2);
      Atomics.notify(a, W.INIT);
      report(core, host, instance, start.memory, e);
      return leave(e instanceof KernelExit ? "exit" : "trap");
    }
    Atomics.notify(a, W.INIT);
  } else {
    while (Atomics.load(a, W.INIT) === 0 && current()) Atomics.wait(a, W.INIT, 0, 100);
    if (!current()) return "halted";
    if (Atomics.load(a, W.INIT) !== 1) return leave("no kernel: core 0's top-level code trapped");
  }
  if (typeof kernelStart !== "function") {
    host.line(`panic: core ${core}: kernel.wasm rejected: it exports no kernel_start(core: u32) function`);
    return leave("rejected");
  }
  for (;;) {
    try {
      (kernelStart as (c: number) => void)(core);
      return leave("returned");
    } catch (e) {
      if (e instanceof Halted) return "halted";
      if (e instanceof KernelExit) return leave("exit");
      report(core, host, instance, start.memory, e);
      if (!host.recover()) return leave("trap");
    }
  }
}
