// `make bench`: boots build/bench/bench.img (wasm3) and build/aot/bench/bench.img
// (the aot backend) on every board under QEMU with -icount (deterministic:
// guest instructions, not host time), each twice, checks that both runs give
// the same counts, and prints a table of instructions per operation: the
// AssemblyScript side (bench/kernel.ts) under wasm3 and ahead of time, native
// C (bench/native.c), and the ratios. Writes bench/results.json.
//
//   node bench.js [--boards pi3,pi4] [--out bench/results.json] [--boot-image build/bench/boot.img]
//                 [--aot build/aot/bench/bench.img --aot-boot-image build/aot/bench/boot.img]
//                 [--push build/examples/tour.img build/examples/tour.wasm] [image]
// With --push it also times make push into that image (tools/push/pushbench.ts)
// and measures the host CPU the image costs when left to run (./idle.ts),
// and the edit loop: an edit, make push, the edit's line on the console (./editloop.ts).
import { statSync, writeFileSync } from "node:fs";
import { BOARDS, findBoard } from "../boards/index.js";
import { runQemu } from "../run/qemu.js";
import { ASYNC_PAIRS } from "./perf-doc.js";
import { sizeSplitOf } from "../kernel/size.js";
import { pushFigures, PushFigure } from "../push/pushbench.js";
import { idleFigure, IdleFigure } from "./idle.js";
import { editLoopFigure, EditLoopFigure } from "./editloop.js";
import { simRows, simKernelTimes, type SimFigures } from "./sim.js";

export type Side = "wasm3" | "aot" | "native";
export interface BenchLine { side: Side; row: string; instructions: number; ops: number }

/** The `bench: <side> <row> <instructions> <ops>` lines of a run. The kernel
 *  side calls itself wasm3 in either image: `kernelSide` names it. */
export function parseBench(output: string, kernelSide: "wasm3" | "aot" = "wasm3"): BenchLine[] {
  const out: BenchLine[] = [];
  for (const m of output.matchAll(/^bench: (wasm3|native) (\S+) (\d+) (\d+)\b.*$/gm)) {
    out.push({ side: m[1] === "wasm3" ? kernelSide : "native", row: m[2], instructions: Number(m[3]), ops: Number(m[4]) });
  }
  return out;
}

/** The collector in increments of its default budget, 100,000 live objects (issue 25): the longest, how many, all together. */
function incremental(backend: string, f: Record<string, number>): Record<string, number | undefined> {
  return {
    [`gc (${backend}): in increments, 100,000 live objects: the longest increment in instructions`]: f["gc-increment-live-100000"],
    [`gc (${backend}): in increments, 100,000 live objects: increments`]: f["gc-increments-live-100000"],
    [`gc (${backend}): in increments, 100,000 live objects: all increments together in instructions`]: f["gc-incremental-all-live-100000"],
  };
}

/** Single figures: `bench: figure <name> <value> <unit>`. */
/**
 * Output that has the whole line of the example kernel's boot figure: stop
 * QEMU on it (a pattern without the unit at the end matched a line still
 * arriving, and read "2" of a larger figure).
 */
export const BOOT_FIGURE_DONE = /^bench: figure boot-cores-online-example \d+ instructions$/m;

export function parseFigures(output: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of output.matchAll(/^bench: figure (\S+) (\d+) \S+$/gm)) out[m[1]] = Number(m[2]);
  return out;
}

/** One row: instructions per operation per side, and each backend against native C. */
export interface BenchRow {
  board: string; row: string;
  wasm3: number | null; aot: number | null; native: number | null;
  /** wasm3 / native */
  ratio: number | null;
  /** aot / native */
  aotRatio: number | null;
}

/** The rows of a board, from the lines of its runs (native C is taken from the first image that has it). */
export function table(board: string, lines: BenchLine[]): BenchRow[] {
  const rows = new Map<string, BenchRow>();
  for (const l of lines) {
    const r = rows.get(l.row) ?? { board, row: l.row, wasm3: null, aot: null, native: null, ratio: null, aotRatio: null };
    if (r[l.side] === null) r[l.side] = l.instructions / l.ops;
    rows.set(l.row, r);
  }
  for (const r of rows.values()) {
    r.ratio = r.wasm3 !== null && r.native ? r.wasm3 / r.native : null;
    r.aotRatio = r.aot !== null && r.native ? r.aot / r.native : null;
  }
  return [...rows.values()];
}

function fmt(n: number | null, digits = 1): string { return n === null ? "-" : n.toFixed(digits); }

interface ImageRuns { lines: BenchLine[]; figures: Record<string, number>; boot: number; same: boolean }

/** Two runs of a bench image and two of its boot probe on one board; null (and why, printed) on failure. */
async function runImages(board: string, image: string, bootImage: string, side: "wasm3" | "aot"): Promise<ImageRuns | null> {
  const b = findBoard(board);
  const runs: BenchLine[][] = [];
  let figures: Record<string, number> = {};
  for (let k = 0; k < 2; k++) {
    // A TMP105 on BSC1 answers the I2C rows' writes (bench/kernel.ts, bench/native.c).
    const r = await runQemu({ board, image, timeoutMs: 300_000, icount: true, devices: ["tmp105,bus=i2c-bus.1,address=0x48"] });
    if (r.timedOut || r.code !== 0 || !/^bench: done$/m.test(r.output)) {
      console.error(`bench: the run of ${image} on ${b.title} failed (exit ${r.code}${r.timedOut ? ", timed out" : ""}):\n${r.output}`);
      return null;
    }
    runs.push(parseBench(r.output, side));
    if (k === 0) figures = parseFigures(r.output);
  }
  // The example kernel's own boot (bench/boot.img: kernel8.img's kernel.wasm and a probe), twice too.
  const boots: number[] = [];
  for (let k = 0; k < 2; k++) {
    const boot = await runQemu({ board, image: bootImage, timeoutMs: 120_000, icount: true, until: BOOT_FIGURE_DONE });
    const example = parseFigures(boot.output)["boot-cores-online-example"];
    if (example === undefined) {
      console.error(`bench: the boot probe ${bootImage} on ${b.title} printed no figure:\n${boot.output}`);
      return null;
    }
    boots.push(example);
  }
  return { lines: runs[0], figures, boot: boots[0], same: JSON.stringify(runs[0]) === JSON.stringify(runs[1]) && boots[0] === boots[1] };
}

async function main(argv: string[]): Promise<number> {
  let boards = BOARDS.map((b) => b.name), out = "bench/results.json", image = "build/bench/bench.img", bootImage = "build/bench/boot.img";
  let aotImage = "", aotBootImage = "", pushImage = "", pushModule = "", simWasm = "";
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--boards") boards = argv[++i].split(",");
    else if (argv[i] === "--out") out = argv[++i];
    else if (argv[i] === "--boot-image") bootImage = argv[++i];
    else if (argv[i] === "--aot") aotImage = argv[++i];
    else if (argv[i] === "--aot-boot-image") aotBootImage = argv[++i];
    else if (argv[i] === "--push") { pushImage = argv[++i]; pushModule = argv[++i]; }
    else if (argv[i] === "--sim") simWasm = argv[++i];
    else image = argv[i];
  }
  const results: BenchRow[] = [];
  const figures: Record<string, Record<string, number>> = {};
  for (const board of boards) {
    const b = findBoard(board);
    const w = await runImages(board, image, bootImage, "wasm3");
    const a = aotImage ? await runImages(board, aotImage, aotBootImage || bootImage, "aot") : null;
    if (!w || (aotImage && !a)) return 1;
    const f = w.figures;
    // The image runs the native rows on core 0 before the kernel starts: take them out.
    const kernelBoot = (g: Record<string, number>) => g["boot-cores-online"] - (g["native-rows"] ?? 0) - (g["native-smp-rows"] ?? 0);
    figures[board] = {
      "boot: instructions to the first UART byte": f["boot-first-uart-byte"],
      "boot: instructions to cores online: 4, the benchmark kernel (all cores)": kernelBoot(f),
      "boot: instructions to cores online: 4, the example kernel (kernel8.img, all cores)": w.boot,
      ...(a ? {
        "aot boot: instructions to cores online: 4, the benchmark kernel (all cores)": kernelBoot(a.figures),
        "aot boot: instructions to cores online: 4, the example kernel (kernel8.img, all cores)": a.boot,
      } : {}),
      "executor: heap bytes per task (wasm3)": f["task-bytes-wasm3"],
      "executor: heap bytes per task (native C)": f["task-bytes-native"],
      "wasm3: C heap bytes per runtime (one per core)": f["wasm3-runtime-bytes"],
      ...Object.fromEntries([0, 1000, 10_000, 100_000].map((n) => [`gc (wasm3): pause in instructions, ${n.toLocaleString("en-US")} live objects (${(f[`gc-live-objects-${n}`] ?? 0).toLocaleString("en-US")} with the harness's)`, f[`gc-pause-live-${n}`]])),
      "gc (wasm3): pause in instructions freeing 100,000 dead objects": f["gc-pause-free-100000"],
      ...incremental("wasm3", f),
      ...(a ? incremental("aot", a.figures) : {}),
      ...(a ? Object.fromEntries([0, 1000, 10_000, 100_000].map((n) => [`gc (aot): pause in instructions, ${n.toLocaleString("en-US")} live objects`, a.figures[`gc-pause-live-${n}`]])) : {}),
      ...(a ? { "gc (aot): pause in instructions freeing 100,000 dead objects": a.figures["gc-pause-free-100000"] } : {}),
      "gc: heap bytes of an object with two fields (headers, canary, rounding; the collector adds none)": f["gc-object-bytes"],
      ...(a ? { "aot: C heap bytes per instance (one per core)": a.figures["wasm3-runtime-bytes"] } : {}),
    };
    const same = w.same && (!a || a.same);
    console.log(`\n${b.title} (-M ${b.machine} -icount shift=0,sleep=off): guest instructions per operation`);
    console.log(same ? "two runs of each image gave identical counts" : "WARNING: the two runs differ; the figures below are from the first");
    const rows = table(board, [...w.lines, ...(a?.lines ?? [])]);
    console.log(`  ${"row".padEnd(22)} ${"wasm3".padStart(10)} ${"aot".padStart(9)} ${"native".padStart(9)} ${"wasm3/C".padStart(8)} ${"aot/C".padStart(7)}`);
    for (const r of rows) {
      console.log(`  ${r.row.padEnd(22)} ${fmt(r.wasm3).padStart(10)} ${fmt(r.aot).padStart(9)} ${fmt(r.native).padStart(9)} ` +
        `${(fmt(r.ratio) + "x").padStart(8)} ${(r.aotRatio === null ? "-" : fmt(r.aotRatio, 2) + "x").padStart(7)}`);
    }
    for (const [name, v] of Object.entries(figures[board])) console.log(`  ${name}: ${v?.toLocaleString("en-US")}`);
    console.log("  async against the same task by hand (same backend):");
    for (const [x, h] of ASYNC_PAIRS) {
      const rx = rows.find((r) => r.row === x), rh = rows.find((r) => r.row === h);
      for (const side of ["wasm3", "aot"] as const) {
        const p = rx?.[side], q = rh?.[side];
        if (p && q) console.log(`    ${side.padEnd(5)} ${x.padEnd(22)} ${fmt(p).padStart(9)}  ${h.padEnd(16)} ${fmt(q).padStart(9)}  ${(p / q).toFixed(2)}x`);
      }
    }
    results.push(...rows);
    if (!same) return 1;
  }
  const split = sizeSplitOf("build/kernel8.img");
  const aotSplit = aotImage ? sizeSplitOf("build/aot/kernel8.img") : null;
  const sizes = {
    "kernel8.img bytes": split.image,
    "of which wasm3": split.wasm3,
    "of which the stub (boot/)": split.stub,
    "of which the C library (picolibc, libgcc)": split.libc,
    "of which kernel.wasm": split.kernelWasm,
    "of which the GOT and other tables ld makes": split.linker,
    "of which alignment padding": split.padding,
    "kernel.wasm bytes": statSync("build/kernel.wasm").size,
    ...(aotSplit ? {
      "aot kernel8.img bytes": aotSplit.image,
      "of which the kernel, compiled (wasm2c's C, and the aot runtime)": aotSplit.aot,
      "of which wasm3 (none)": aotSplit.wasm3,
    } : {}),
  };
  // make push in QEMU (wall-clock, not -icount: see tools/push/pushbench.ts).
  const pushes: Record<string, PushFigure[]> = {};
  if (pushImage) {
    console.log(`\nmake push in QEMU: ${pushModule} (${statSync(pushModule).size.toLocaleString("en-US")} bytes) into ${pushImage}, median of 3, wall-clock on this machine`);
    for (const board of boards) {
      try { pushes[board] = await pushFigures(board, pushImage, pushModule); } catch (e) { console.error((e as Error).message); return 1; }
      for (const p of pushes[board]) {
        console.log(`  ${findBoard(board).title}, module at ${String(p.baud).padStart(6)} baud: ${(p.ms / 1000).toFixed(2)} s from push to the new \`cores online: 4\`, ` +
          `${p.wire.toLocaleString("en-US")} bytes on the wire, the module at ${p.kibPerS.toFixed(1)} KiB/s`);
      }
    }
    console.log("  (QEMU's pty has no rate: both rows show QEMU's own pace. On a board the wire carries at most 11.25 KiB/s at 115200 baud, 90 KiB/s at 921600.)");
  }
  // The same image left to itself: what its (mostly) idle cores cost the host.
  const idle: Record<string, IdleFigure> = {};
  if (pushImage) {
    console.log(`
${pushImage} left running in QEMU (four cores, no -icount), after \`cores online: 4\`: host CPU used by QEMU, every thread`);
    for (const board of boards) {
      try { idle[board] = await idleFigure(board, pushImage); } catch (e) { console.error((e as Error).message); return 1; }
      const f = idle[board];
      console.log(`  ${findBoard(board).title}: ${(f.cpuMs / 1000).toFixed(2)} s of CPU in ${(f.wallMs / 1000).toFixed(1)} s, ${Math.round((100 * f.cpuMs) / f.wallMs)} % of one host CPU`);
    }
  }
  // The edit loop: an edit of the program's source, then make push, to the edit's line on the console (./editloop.ts).
  const editLoop: Record<string, EditLoopFigure> = {};
  if (pushImage) {
    console.log(`\nthe edit loop: a line added to a copy of the tour's main(), then make push (the development build through the resident compiler, the push through make qemu's console), to that line on the console; median of 3, wall-clock on this machine`);
    for (const board of boards) {
      try { editLoop[board] = await editLoopFigure(board, pushImage); } catch (e) { console.error((e as Error).message); return 1; }
      const f = editLoop[board];
      console.log(`  ${findBoard(board).title}: ${(f.ms / 1000).toFixed(2)} s (rounds: ${f.rounds.map((x) => (x / 1000).toFixed(2)).join(", ")} s; a ${f.bytes.toLocaleString("en-US")}-byte module)`);
    }
  }
  // The simulator (tools/sim): the benchmark kernel's rows in host time, and test kernels against QEMU.
  let simulator: SimFigures | undefined;
  if (simWasm) {
    simulator = { unit: "host nanoseconds per operation (the simulator counts no instructions), node " + process.version, rows: {}, kernels: {} };
    for (const board of boards as ("pi3" | "pi4")[]) {
      try {
        simulator.rows[board] = await simRows(board, simWasm);
        simulator.kernels[board] = await simKernelTimes(board);
      } catch (e) { console.error((e as Error).message); return 1; }
      console.log(`\n${findBoard(board).title} in the simulator (${simWasm}, time per operation on this host, median of 3) beside QEMU's guest instructions per operation`);
      console.log(`  ${"row".padEnd(22)} ${"sim ns".padStart(10)} ${"wasm3 instr".padStart(12)} ${"native instr".padStart(13)}`);
      for (const [row, ns] of Object.entries(simulator.rows[board])) {
        const q = results.find((r) => r.board === board && r.row === row);
        console.log(`  ${row.padEnd(22)} ${fmt(ns).padStart(10)} ${fmt(q?.wasm3 ?? null).padStart(12)} ${fmt(q?.native ?? null).padStart(13)}`);
      }
      console.log("  test kernels, wall-clock to their exit (median of 3): simulator, QEMU (wasm3 image, no -icount; QEMU's start included)");
      for (const [k, t] of Object.entries(simulator.kernels[board])) console.log(`    ${k.padEnd(10)} ${(t.simMs / 1000).toFixed(2)} s   ${(t.qemuMs / 1000).toFixed(2)} s`);
    }
  }
  console.log("\nsizes:");
  for (const [k, v] of Object.entries(sizes)) console.log(`  ${k}: ${v.toLocaleString("en-US")}`);
  writeFileSync(out, JSON.stringify({ unit: "guest instructions per operation (QEMU -icount shift=0,sleep=off)", rows: results, figures, sizes, push: pushes, idle, editLoop, ...(simulator ? { simulator } : {}) }, null, 2) + "\n");
  console.log(`\nwritten: ${out}`);
  return 0;
}

if (process.argv[1]?.endsWith("bench.js")) main(process.argv.slice(2)).then((c) => process.exit(c), (e) => { console.error(`bench: ${e.message}`); process.exit(1); });
