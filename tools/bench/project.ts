// `tspi bench` in a kernel's project: each bench/<name>.ts is a kernel that
// measures itself with the library's bench module (assembly/kernel/bench.ts:
// bench.row, bench.figure, bench.done). Each is booted under QEMU -icount on
// every board and backend asked for, where the PMU's instruction counts are
// exact, so a table of them is the same on every run and a change means the
// code changed. The results go to build/bench.json; the next run prints
// each figure's change against it. The project's kernel.wasm (src/main.ts)
// is measured too: its size.
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runQemu } from "../run/qemu.js";

export interface BenchResults {
  /** Instructions per operation, by "bench/<file>.ts <row>" then "<board> <backend>". */
  rows: Record<string, Record<string, number>>;
  /** Single figures, by "bench/<file>.ts <name> (<unit>)" then "<board> <backend>". */
  figures: Record<string, Record<string, number>>;
  /** Sizes in bytes, by file. */
  sizes: Record<string, number>;
}

/** The rows and figures one run printed: `bench: kernel <row> <instructions> <ops>`, `bench: figure <name> <value> <unit>`. */
export function parseRun(output: string): { rows: Record<string, number>; figures: Record<string, number> } {
  const rows: Record<string, number> = {}, figures: Record<string, number> = {};
  for (const m of output.matchAll(/^bench: kernel (\S+) (\d+) (\d+)$/gm)) rows[m[1]] = Number(m[2]) / Math.max(1, Number(m[3]));
  for (const m of output.matchAll(/^bench: figure (\S+) (\d+) (.+)$/gm)) figures[`${m[1]} (${m[3]})`] = Number(m[2]);
  return { rows, figures };
}

/** `n` as the table shows it: whole numbers with separators, small ones with a decimal. */
function show(n: number): string {
  return n >= 100 || Number.isInteger(n) ? Math.round(n).toLocaleString("en-US") : n.toFixed(1);
}

/** The change from `before` to `now`, or "" when there is no earlier figure or it is the same. */
export function change(before: number | undefined, now: number): string {
  if (before === undefined || before === now) return "";
  if (before === 0) return " (new)";
  const pct = (now - before) / before * 100;
  return ` (${pct > 0 ? "+" : ""}${Math.abs(pct) < 0.05 ? pct.toFixed(2) : pct.toFixed(1)}%)`;
}

/** The table: one line per row or figure, one column per board and backend, each with its change. */
export function table(now: BenchResults, before: BenchResults | null, columns: string[]): string {
  const lines: string[] = [];
  const cell = (v: number | undefined, b: number | undefined) => v === undefined ? "-" : show(v) + change(b, v);
  const section = (title: string, data: Record<string, Record<string, number>>, old: Record<string, Record<string, number>> | undefined) => {
    const keys = Object.keys(data);
    if (!keys.length) return;
    const rows = keys.map((k) => [k, ...columns.map((c) => cell(data[k][c], old?.[k]?.[c]))]);
    const head = [title, ...columns];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const fmt = (r: string[]) => "  " + r.map((x, i) => i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i])).join("   ");
    lines.push(fmt(head), ...rows.map(fmt), "");
  };
  section("instructions per operation", now.rows, before?.rows);
  section("figures", now.figures, before?.figures);
  for (const [file, bytes] of Object.entries(now.sizes)) lines.push(`  ${file}: ${bytes.toLocaleString("en-US")} bytes${change(before?.sizes[file], bytes)}`);
  return lines.join("\n");
}

export interface ProjectBenchOptions {
  project: string;
  benches: string[];
  boards: string[];
  backends: ("wasm3" | "aot")[];
  /** Builds these files (make, in the package's folder); its exit code. */
  build(files: string[]): number;
  timeoutMs: number;
}

/** Runs the project's benchmarks; 0 when every kernel ran to `bench: done`. */
export async function projectBench(o: ProjectBenchOptions): Promise<number> {
  const out = join(o.project, "build");
  const image = (backend: string, name: string) => join(out, backend === "aot" ? "aot" : "", "benches", `${name}.img`);
  const kernel = join(out, "kernel.wasm");
  const built = o.build([kernel, ...o.backends.flatMap((be) => o.benches.map((n) => image(be, n)))]);
  if (built !== 0) return built;
  const results: BenchResults = { rows: {}, figures: {}, sizes: { "build/kernel.wasm (src/main.ts)": statSync(kernel).size } };
  const columns: string[] = [];
  for (const board of o.boards) for (const backend of o.backends) columns.push(`${board} ${backend}`);
  let failed = 0;
  for (const name of o.benches) {
    for (const board of o.boards) {
      for (const backend of o.backends) {
        const r = await runQemu({ board, image: image(backend, name), timeoutMs: o.timeoutMs, icount: true });
        const file = `bench/${name}.ts`;
        if (r.timedOut || r.code !== 0 || !/^bench: done$/m.test(r.output)) {
          failed++;
          const why = r.timedOut ? `no bench: done within ${o.timeoutMs / 1000} s` : r.code !== 0 ? `exit code ${r.code}` : "it exited without bench: done (end it with bench.done())";
          process.stdout.write(`  FAIL     ${file} on ${board} ${backend}: ${why}\n${r.output.split("\n").map((l) => `    | ${l}`).join("\n")}\n`);
          continue;
        }
        const run = parseRun(r.output);
        if (!Object.keys(run.rows).length && !Object.keys(run.figures).length) {
          failed++;
          process.stdout.write(`  FAIL     ${file} on ${board} ${backend}: it measured nothing (bench.row and bench.figure print what the table shows)\n`);
          continue;
        }
        for (const [row, v] of Object.entries(run.rows)) (results.rows[`${file} ${row}`] ??= {})[`${board} ${backend}`] = v;
        for (const [f, v] of Object.entries(run.figures)) (results.figures[`${file} ${f}`] ??= {})[`${board} ${backend}`] = v;
      }
    }
  }
  const saved = join(out, "bench.json");
  let before: BenchResults | null = null;
  try { before = existsSync(saved) ? JSON.parse(readFileSync(saved, "utf8")) as BenchResults : null; } catch { before = null; }
  process.stdout.write(`\ntspi bench: guest instructions under QEMU -icount (exact: the same on every run)${before ? "; in brackets, the change since the last run" : ""}\n\n`);
  process.stdout.write(table(results, before, columns) + "\n");
  if (failed) {
    process.stdout.write(`\n  ${failed} run(s) failed: build/bench.json is left as it was\n`);
    return 1;
  }
  writeFileSync(saved, JSON.stringify(results, null, 2) + "\n");
  return 0;
}
