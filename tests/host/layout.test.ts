// The library's layout holds (issue 23): the folders show the architecture
// only while the imports follow it. arch/ (the host ABI as the kernel sees
// it) imports nothing above it; the memory manager (kernel/mem/) imports no
// executor or driver and has no import cycle.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const ROOT = resolve("assembly");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") && !p.endsWith(".d.ts") ? [p] : [];
  });
}

/** Each library file -> the library files it imports (relative imports), by path under assembly/. */
export function importGraph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const file of sources(ROOT)) {
    const deps: string[] = [];
    for (const m of readFileSync(file, "utf8").matchAll(/(?:from|import)\s*["'](\.[^"']*)["']/g)) {
      const base = resolve(dirname(file), m[1]);
      const hit = [base + ".ts", join(base, "index.ts")].find((c) => existsSync(c));
      if (hit) deps.push(relative(ROOT, hit));
    }
    g.set(relative(ROOT, file), deps);
  }
  return g;
}

/** The cycles among `files` (each as a list of files), by a depth-first walk. */
function cycles(g: Map<string, string[]>, files: string[]): string[][] {
  const inSet = new Set(files), found: string[][] = [], done = new Set<string>();
  const walk = (f: string, path: string[]): void => {
    const at = path.indexOf(f);
    if (at >= 0) { found.push(path.slice(at)); return; }
    if (done.has(f)) return;
    for (const d of g.get(f) ?? []) if (inSet.has(d)) walk(d, [...path, f]);
    done.add(f);
  };
  for (const f of files) walk(f, []);
  return found;
}

describe("the library's layout", () => {
  const g = importGraph();
  it("arch/ imports only arch/ (what it needs lives there: fmt.ts, panic.ts)", () => {
    const up = [...g].flatMap(([f, ds]) => f.startsWith("arch/") ? ds.filter((d) => !d.startsWith("arch/")).map((d) => `${f} -> ${d}`) : []);
    assert.deepEqual(up, []);
  });
  it("kernel/mem/ imports no executor, driver or board, and its files import each other without a cycle", () => {
    const mem = [...g.keys()].filter((f) => f.startsWith("kernel/mem/"));
    assert.ok(mem.includes("kernel/mem/gc.ts") && mem.includes("kernel/mem/heap.ts") && mem.includes("kernel/mem/runtime.ts"), mem.join(" "));
    const out = mem.flatMap((f) => g.get(f)!.filter((d) => /^(kernel\/exec|drivers|board)\//.test(d)).map((d) => `${f} -> ${d}`));
    assert.deepEqual(out, []);
    assert.deepEqual(cycles(g, mem), []);
  });
  it("finds a cycle when there is one (the check can fail)", () => {
    const fake = new Map([["a.ts", ["b.ts"]], ["b.ts", ["a.ts"]], ["c.ts", []]]);
    assert.deepEqual(cycles(fake, ["a.ts", "b.ts", "c.ts"]).length, 1);
  });
});
