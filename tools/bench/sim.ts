// make bench's simulator figures (issue 26): the benchmark kernel
// (bench/kernel.ts, the same kernel.wasm QEMU's bench image carries) in the
// simulator, and how long test kernels take there against QEMU.
//
// The simulator counts no guest instructions: its cpu.instructions() gives
// the host's nanoseconds (SimOptions.instructionsAsNs), so its rows are host
// time per operation on this machine, beside QEMU's guest instructions per
// operation. They answer different questions: how fast a kernel runs in the
// simulator on this host, and how much work it is for a Pi's core.
import { simulate } from "../sim/index.js";
import { runQemu } from "../run/qemu.js";
import { parseBench } from "./bench.js";

/** The rows the simulator reports: compute and executor rows (the latency rows read interrupt stamps it does not have). */
export const SIM_ROWS = [
  "fib-20", "sieve-8192", "crc32-64k", "matmul-64", "mmio-read", "module-var-rw", "percore-var-rw", "atomic-add", "lock-unlock",
  "alloc-free-64", "realloc-grow", "gpio-toggle", "copy-64k", "rng-word",
  "exec-wake-poll", "exec-spawn", "exec-channel-msg", "exec-wake-cross-core", "await-ready-async", "await-ready-hand",
  "wake-loop-async", "wake-loop-hand", "concat-dispose", "concat-gc", "spawn-join-dispose", "spawn-join-gc",
];

/** Test kernels timed in both (each exits 0 by itself). */
export const SIM_KERNELS = ["channels", "exec", "mpmc", "stress", "timers"];

export interface SimFigures {
  unit: string;
  /** Per board: row -> host nanoseconds per operation (median of the runs). */
  rows: Record<string, Record<string, number>>;
  /** Per board: kernel -> wall-clock ms from start to exit, in the simulator and in QEMU (wasm3 image, no -icount). */
  kernels: Record<string, Record<string, { simMs: number; qemuMs: number }>>;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The benchmark kernel three times in the simulator on `board`: each row's median, in ns per operation. */
export async function simRows(board: "pi3" | "pi4", wasm: string): Promise<Record<string, number>> {
  const runs: Record<string, number>[] = [];
  for (let k = 0; k < 3; k++) {
    const pi = await simulate(wasm, { board, time: "real", instructionsAsNs: true });
    const code = await pi.finished(300_000);
    if (code !== 0 || !/^bench: done$/m.test(pi.console)) throw new Error(`bench: the benchmark kernel in the simulator (${board}) ended with ${code}:\n${pi.console}`);
    runs.push(Object.fromEntries(parseBench(pi.console).filter((l) => SIM_ROWS.includes(l.row)).map((l) => [l.row, l.instructions / l.ops])));
  }
  return Object.fromEntries(SIM_ROWS.filter((r) => runs[0][r] !== undefined).map((r) => [r, median(runs.map((x) => x[r]))]));
}

/** Each test kernel in the simulator and in QEMU (its wasm3 image), wall-clock to its exit, median of 3. */
export async function simKernelTimes(board: "pi3" | "pi4"): Promise<Record<string, { simMs: number; qemuMs: number }>> {
  const out: Record<string, { simMs: number; qemuMs: number }> = {};
  for (const k of SIM_KERNELS) {
    const sim: number[] = [], qemu: number[] = [];
    for (let n = 0; n < 3; n++) {
      let t = performance.now();
      const pi = await simulate(`build/tests/${k}.wasm`, { board });
      const code = await pi.finished(120_000);
      sim.push(performance.now() - t);
      if (code !== 0) throw new Error(`bench: tests/kernels/${k}.ts in the simulator (${board}) exited ${code}:\n${pi.console}`);
      t = performance.now();
      const r = await runQemu({ board, image: `build/tests/${k}.img`, timeoutMs: 120_000 });
      qemu.push(performance.now() - t);
      if (r.code !== 0) throw new Error(`bench: tests/kernels/${k}.ts in QEMU (${board}) exited ${r.code}:\n${r.output}`);
    }
    out[k] = { simMs: median(sim), qemuMs: median(qemu) };
  }
  return out;
}
