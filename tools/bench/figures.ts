// The figures README.md and docs/ quote, each computed from bench/results.json
// (make bench), so none can go stale. In the text a figure is written
//   <!--fig:KEY-->2,147<!--/fig-->
// (the comments do not show when rendered); `make bench` rewrites every one
// (tools/bench/perf-doc.ts), and tests/host/docs.test.ts fails when a quoted
// figure differs from the results committed beside it, or names no figure.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BenchRow } from "./bench.js";

export interface Results {
  unit: string;
  rows: BenchRow[];
  figures: Record<string, Record<string, number>>;
  sizes: Record<string, number>;
  /** make push in QEMU, per board (tools/push/pushbench.ts); absent in older results. */
  push?: Record<string, { baud: number; ms: number; wire: number; kibPerS: number }[]>;
  /** The tour left running in QEMU, per board: QEMU's host CPU over a stretch of wall time (tools/bench/idle.ts); absent in older results. */
  idle?: Record<string, { wallMs: number; cpuMs: number }>;
  /** An edit, make push, the edit's line on the console, per board (tools/bench/editloop.ts); absent in older results. */
  editLoop?: Record<string, { rounds: number[]; ms: number; bytes: number }>;
  /** The simulator's rows (host ns per operation) and test kernels' times against QEMU (tools/bench/sim.ts); absent in older results. */
  simulator?: { unit: string; rows: Record<string, Record<string, number>>; kernels: Record<string, Record<string, { simMs: number; qemuMs: number }>> };
}

const int = (x: number) => Math.round(x).toLocaleString("en-US");
const times = (x: number, digits: number) => `${x.toFixed(digits)}x`;
const millions = (x: number) => x >= 10e6 ? `${Math.round(x / 1e6)} million` : `${(x / 1e6).toFixed(1)} million`;
const kb = (bytes: number) => `${Math.round(bytes / 1000)} KB`;

/** The Pi 3 row `name` of the results (the figures quoted are the Pi 3's; docs/performance.md has both boards). */
function row(r: Results, name: string): BenchRow {
  const x = r.rows.find((y) => y.board === "pi3" && y.row === name);
  if (!x) throw new Error(`bench/results.json has no pi3 row ${name}`);
  return x;
}
const need = (x: number | null, what: string): number => { if (x === null) throw new Error(`bench/results.json: no ${what}`); return x; };
const fig = (r: Results, name: string): number => need(r.figures.pi3?.[name] ?? null, `pi3 figure '${name}'`);

export const FIGURES: Record<string, (r: Results) => string> = {
  "wake-poll-wasm3": (r) => int(need(row(r, "exec-wake-poll").wasm3, "exec-wake-poll wasm3")),
  "wake-poll-aot": (r) => int(need(row(r, "exec-wake-poll").aot, "exec-wake-poll aot")),
  "wake-poll-c": (r) => int(need(row(r, "exec-wake-poll").native, "exec-wake-poll native")),
  "wake-poll-ratio-wasm3": (r) => times(need(row(r, "exec-wake-poll").ratio, "exec-wake-poll ratio"), 0),
  "wake-poll-ratio-aot": (r) => times(need(row(r, "exec-wake-poll").aotRatio, "exec-wake-poll aot ratio"), 1),
  "await-vs-poll": (r) => times(need(row(r, "await-ready-async").wasm3, "await-ready-async") / need(row(r, "await-ready-hand").wasm3, "await-ready-hand"), 2),
  "fib-wasm3": (r) => times(need(row(r, "fib-20").ratio, "fib-20 ratio"), 1),
  "crc32-wasm3": (r) => times(need(row(r, "crc32-64k").ratio, "crc32-64k ratio"), 1),
  "fib-aot": (r) => times(need(row(r, "fib-20").aotRatio, "fib-20 aot ratio"), 2),
  "sieve-aot": (r) => times(need(row(r, "sieve-8192").aotRatio, "sieve-8192 aot ratio"), 2),
  "crc32-aot": (r) => times(need(row(r, "crc32-64k").aotRatio, "crc32-64k aot ratio"), 2),
  "mmio-wasm3": (r) => int(need(row(r, "mmio-read").wasm3, "mmio-read wasm3")),
  "mmio-aot": (r) => int(need(row(r, "mmio-read").aot, "mmio-read aot")),
  "boot-wasm3": (r) => millions(fig(r, "boot: instructions to cores online: 4, the benchmark kernel (all cores)")),
  "boot-aot": (r) => millions(fig(r, "aot boot: instructions to cores online: 4, the benchmark kernel (all cores)")),
  "image-wasm3": (r) => kb(need(r.sizes["kernel8.img bytes"] ?? null, "kernel8.img bytes")),
  "image-aot": (r) => kb(need(r.sizes["aot kernel8.img bytes"] ?? null, "aot kernel8.img bytes")),
  "tour-wasm-kb": (r) => kb(need(r.sizes["kernel.wasm bytes"] ?? null, "kernel.wasm bytes")),
  "tour-wasm-bytes": (r) => String(need(r.sizes["kernel.wasm bytes"] ?? null, "kernel.wasm bytes")),
  "idle-cpu": (r) => { const f = r.idle?.pi3; if (!f) throw new Error("bench/results.json: no pi3 idle figure"); return `${Math.round((100 * f.cpuMs) / f.wallMs)} %`; },
  "edit-loop-s": (r) => `${(need(r.editLoop?.pi3?.ms ?? null, "a pi3 edit loop") / 1000).toFixed(1)} s`,
  // A bus transfer's cost per byte: the 9-byte write's row less the 1-byte one's, over 8.
  ...Object.fromEntries((["i2c", "spi"] as const).flatMap((bus) => (["wasm3", "aot", "native"] as const).map((side) => [
    `${bus}-byte-${side}`,
    (r: Results) => int((need(row(r, `${bus}-write-9`)[side], `${bus}-write-9 ${side}`) - need(row(r, `${bus}-write-1`)[side], `${bus}-write-1 ${side}`)) / 8),
  ]))),
  "push-s": (r) => `${(need(r.push?.pi3?.[0]?.ms ?? null, "a pi3 push") / 1000).toFixed(1)} s`,
};

const MARK = /<!--fig:([a-z0-9.-]+)-->([^<]*)<!--\/fig-->/g;

/** A figure by its key: one of FIGURES, or `row.<row>.<wasm3|aot|native>`, a Pi 3 row's instructions per operation. */
export function figure(key: string): ((r: Results) => string) | undefined {
  const m = /^row\.([a-z0-9-]+)\.(wasm3|aot|native)$/.exec(key);
  if (m) return (r) => int(need(row(r, m[1])[m[2] as "wasm3" | "aot" | "native"], `${m[1]} ${m[2]}`));
  return FIGURES[key];
}
/** Figures inside code blocks, where a comment would show: the file, the text around the figure, and its key. */
const IN_CODE: { file: string; re: RegExp; key: string }[] = [
  { file: "README.md", re: /(boot: Raspberry Pi 3 \(BCM2837\), timer 62\.500 MHz, kernel\.wasm )(\d+)( bytes)/g, key: "tour-wasm-bytes" },
];

/** The files that may quote figures: README.md, docs/*.md and docs/drivers/*.md. */
export function figureFiles(): string[] {
  const md = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".md")).map((f) => join(dir, f));
  return ["README.md", ...md("docs"), ...md("docs/drivers")];
}

/** Each quoted figure of `text`: its key, what the text says, and what the results say. */
export function quoted(text: string, r: Results, file = ""): { key: string; says: string; is: string | null }[] {
  const marked = [...text.matchAll(MARK)].map((m) => { const f = figure(m[1]); return { key: m[1], says: m[2], is: f ? f(r) : null }; });
  const inCode = IN_CODE.filter((c) => c.file === file).flatMap((c) => [...text.matchAll(c.re)].map((m) => ({ key: c.key, says: m[2], is: FIGURES[c.key](r) })));
  return [...marked, ...inCode];
}

/** `text` with every quoted figure made what the results say (an unknown key is an error). */
export function withFigures(text: string, r: Results, file = ""): string {
  let out = text.replace(MARK, (_all, key: string) => {
    const f = figure(key);
    if (!f) throw new Error(`<!--fig:${key}-->: no such figure (tools/bench/figures.ts lists them)`);
    return `<!--fig:${key}-->${f(r)}<!--/fig-->`;
  });
  for (const c of IN_CODE.filter((x) => x.file === file)) out = out.replace(c.re, (_all, before: string, _n: string, after: string) => `${before}${FIGURES[c.key](r)}${after}`);
  return out;
}

/** Rewrites the quoted figures of README.md and docs/ from `results` (make bench). */
export function writeFigures(results = "bench/results.json"): string[] {
  const r = JSON.parse(readFileSync(results, "utf8")) as Results;
  const changed: string[] = [];
  for (const f of figureFiles()) {
    const text = readFileSync(f, "utf8");
    const out = withFigures(text, r, f);
    if (out !== text) { writeFileSync(f, out); changed.push(f); }
  }
  return changed;
}
