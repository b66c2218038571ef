// `make bench`: boots build/bench/bench.img on every board under QEMU with
// -icount (deterministic: guest instructions, not host time), twice, checks
// that both runs give the same counts, and prints a table of instructions
// per operation: wasm3 (the AssemblyScript side, bench/kernel.ts), native C
// (bench/native.c), and their ratio. Writes bench/results.json.
//
//   node bench.js [--boards pi3,pi4] [--out bench/results.json] [--boot-image build/bench/boot.img] [image]
import { statSync, writeFileSync } from "node:fs";
import { BOARDS, findBoard } from "./boards.js";
import { runQemu } from "./qemu.js";
import { ASYNC_PAIRS } from "./perf-doc.js";
import { sizeSplitOf } from "./size.js";

export interface BenchLine { side: "wasm3" | "native"; row: string; instructions: number; ops: number }

/** The `bench: <side> <row> <instructions> <ops>` lines of a run. */
export function parseBench(output: string): BenchLine[] {
  const out: BenchLine[] = [];
  for (const m of output.matchAll(/^bench: (wasm3|native) (\S+) (\d+) (\d+)\b.*$/gm)) {
    out.push({ side: m[1] as BenchLine["side"], row: m[2], instructions: Number(m[3]), ops: Number(m[4]) });
  }
  return out;
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

export interface BenchRow { board: string; row: string; wasm3: number | null; native: number | null; ratio: number | null }

export function table(board: string, lines: BenchLine[]): BenchRow[] {
  const rows = new Map<string, BenchRow>();
  for (const l of lines) {
    const r = rows.get(l.row) ?? { board, row: l.row, wasm3: null, native: null, ratio: null };
    r[l.side] = l.instructions / l.ops;
    rows.set(l.row, r);
  }
  for (const r of rows.values()) r.ratio = r.wasm3 !== null && r.native ? r.wasm3 / r.native : null;
  return [...rows.values()];
}

function fmt(n: number | null, digits = 1): string { return n === null ? "-" : n.toFixed(digits); }

async function main(argv: string[]): Promise<number> {
  let boards = BOARDS.map((b) => b.name), out = "bench/results.json", image = "build/bench/bench.img", bootImage = "build/bench/boot.img";
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--boards") boards = argv[++i].split(",");
    else if (argv[i] === "--out") out = argv[++i];
    else if (argv[i] === "--boot-image") bootImage = argv[++i];
    else image = argv[i];
  }
  const results: BenchRow[] = [];
  const figures: Record<string, Record<string, number>> = {};
  for (const board of boards) {
    const b = findBoard(board);
    const runs = [];
    for (let k = 0; k < 2; k++) {
      const r = await runQemu({ board, image, timeoutMs: 300_000, icount: true });
      if (r.timedOut || r.code !== 0 || !/^bench: done$/m.test(r.output)) {
        console.error(`bench: the run on ${b.title} failed (exit ${r.code}${r.timedOut ? ", timed out" : ""}):\n${r.output}`);
        return 1;
      }
      runs.push(parseBench(r.output));
      if (k === 0) {
        const f = parseFigures(r.output);
        // The image runs the native rows on core 0 before wasm3 starts: take them out.
        figures[board] = {
          "boot: instructions to the first UART byte": f["boot-first-uart-byte"],
          "boot: instructions to cores online: 4, the benchmark kernel (all cores)": f["boot-cores-online"] - (f["native-rows"] ?? 0) - (f["native-smp-rows"] ?? 0),
          "executor: heap bytes per task (wasm3)": f["task-bytes-wasm3"],
          "executor: heap bytes per task (native C)": f["task-bytes-native"],
          "wasm3: C heap bytes per runtime (one per core)": f["wasm3-runtime-bytes"],
        };
      }
    }
    // The example kernel's own boot (build/bench/boot.img: kernel8.img's kernel.wasm and a probe), twice too.
    const boots: number[] = [];
    for (let k = 0; k < 2; k++) {
      const boot = await runQemu({ board, image: bootImage, timeoutMs: 120_000, icount: true, until: BOOT_FIGURE_DONE });
      const example = parseFigures(boot.output)["boot-cores-online-example"];
      if (example === undefined) {
        console.error(`bench: the boot probe on ${b.title} printed no figure:\n${boot.output}`);
        return 1;
      }
      boots.push(example);
    }
    figures[board]["boot: instructions to cores online: 4, the example kernel (kernel8.img, all cores)"] = boots[0];
    const same = JSON.stringify(runs[0]) === JSON.stringify(runs[1]) && boots[0] === boots[1];
    console.log(`\n${b.title} (-M ${b.machine} -icount shift=0,sleep=off): guest instructions per operation`);
    console.log(same ? "two runs gave identical counts" : "WARNING: the two runs differ; the figures below are from the first");
    const rows = table(board, runs[0]);
    console.log(`  ${"row".padEnd(18)} ${"wasm3".padStart(10)} ${"native".padStart(10)} ${"ratio".padStart(8)}`);
    for (const r of rows) console.log(`  ${r.row.padEnd(18)} ${fmt(r.wasm3).padStart(10)} ${fmt(r.native).padStart(10)} ${(fmt(r.ratio) + "x").padStart(8)}`);
    for (const [name, v] of Object.entries(figures[board])) console.log(`  ${name}: ${v.toLocaleString("en-US")}`);
    console.log("  async against the same task by hand (both wasm3):");
    for (const [a, h] of ASYNC_PAIRS) {
      const x = rows.find((r) => r.row === a)?.wasm3, y = rows.find((r) => r.row === h)?.wasm3;
      if (x && y) console.log(`    ${a.padEnd(22)} ${fmt(x).padStart(9)}  ${h.padEnd(16)} ${fmt(y).padStart(9)}  ${(x / y).toFixed(2)}x`);
    }
    results.push(...rows);
    if (!same) return 1;
  }
  const split = sizeSplitOf("build/kernel8.img");
  const sizes = {
    "kernel8.img bytes": split.image,
    "of which wasm3": split.wasm3,
    "of which the stub (boot/)": split.stub,
    "of which the C library (picolibc, libgcc)": split.libc,
    "of which kernel.wasm": split.kernelWasm,
    "of which the GOT and other tables ld makes": split.linker,
    "of which alignment padding": split.padding,
    "kernel.wasm bytes": statSync("build/kernel.wasm").size,
  };
  console.log("\nsizes:");
  for (const [k, v] of Object.entries(sizes)) console.log(`  ${k}: ${v.toLocaleString("en-US")}`);
  writeFileSync(out, JSON.stringify({ unit: "guest instructions per operation (QEMU -icount shift=0,sleep=off)", rows: results, figures, sizes }, null, 2) + "\n");
  console.log(`\nwritten: ${out}`);
  return 0;
}

if (process.argv[1]?.endsWith("bench.js")) main(process.argv.slice(2)).then((c) => process.exit(c), (e) => { console.error(`bench: ${e.message}`); process.exit(1); });
