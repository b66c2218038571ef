// Helpers shared by the QEMU test files.
import assert from "node:assert/strict";
import { runQemu, QemuRun, QemuOptions } from "../../tools/run/qemu.js";

export const TIMEOUT_MS = 30_000;   // a boot takes about a second; QEMU on a loaded 2-core machine, more

export interface BootOptions {
  until?: RegExp;
  timeoutMs?: number;
  icount?: boolean;
  /** What to type on the serial console, and when (see QemuOptions.input). */
  input?: QemuOptions["input"];
  dtb?: string;
  machine?: string;
  /** Devices QEMU attaches (QemuOptions.devices), and what a test does through QMP (QemuOptions.qmp). */
  devices?: QemuOptions["devices"];
  args?: QemuOptions["args"];
  qmp?: QemuOptions["qmp"];
}

/** The backend whose images this run boots (make test-qemu-<backend> sets it): wasm3 or aot. */
export const BACKEND: "wasm3" | "aot" = process.env.KERNEL_BACKEND === "aot" ? "aot" : "wasm3";
/** Where this backend's images are: build/ (wasm3) or build/aot/ (make BACKEND=aot). */
export const IMAGES = BACKEND === "aot" ? "build/aot" : "build";
/** An image of this backend by its name under build/: image("kernel8"), image("bench/bench"). */
export function image(name: string): string { return `${IMAGES}/${name}.img`; }
/** The backend, for test names: a failure says which backend it was on. */
export const ON = ` [${BACKEND}]`;

/** Boots build/tests/<name>.img (or build/<name>.img for a name with a /) of this backend on a board. */
export function boot(board: string, name: string, opts: BootOptions = {}): Promise<QemuRun> {
  const image = name.includes("/") ? `${IMAGES}/${name}.img` : `${IMAGES}/tests/${name}.img`;
  return runQemu({ board, image, timeoutMs: opts.timeoutMs ?? TIMEOUT_MS, until: opts.until, icount: opts.icount, input: opts.input, dtb: opts.dtb, machine: opts.machine, devices: opts.devices, args: opts.args, qmp: opts.qmp });
}

export function lines(out: string): string[] {
  return out.split("\n").map((l) => l.trimEnd()).filter((l) => l.length > 0);
}

/** The run ended by itself with exit code 0. */
export function assertPassed(r: QemuRun): void {
  assert.equal(r.timedOut, false, `timed out after ${r.ms} ms; output:\n${r.output}`);
  assert.equal(r.code, 0, `exit code ${r.code}; output:\n${r.output}`);
}

/** A trap test kernel (tests/kernels/lib/trap.ts): core 2 panicked with `panicLine`, the others went on. */
export function assertCore2Trapped(r: QemuRun, panicLine: RegExp): void {
  assert.equal(r.timedOut, false, `timed out; output:\n${r.output}`);
  assert.match(r.output, panicLine);
  const all = lines(r.output);
  const panicAt = all.findIndex((l) => l.startsWith("panic: core 2:"));
  for (const c of [0, 1, 3]) {
    const at = all.indexOf(`core ${c} still running`);
    assert.ok(at > panicAt, `core ${c} did not report after the panic:\n${r.output}`);
  }
  assert.equal(all.filter((l) => l.startsWith("panic:")).length, 1, "exactly one panic line");
  assert.equal(r.code, 0, `exit code ${r.code}; output:\n${r.output}`);
}
