// The library's layout holds (issue 23): the folders show the architecture
// only while the imports follow it. arch/ (the host ABI as the kernel sees
// it) imports nothing above it; the memory manager (kernel/mem/) imports no
// executor or driver and has no import cycle.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { spawnSync } from "node:child_process";

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

describe("the stub's backend interface (boot/backend.h)", () => {
  // Each backend defines every function of the interface in its own object, and
  // nothing in boot/ gives one a weak default: the backend was once chosen by
  // weak symbols (host_common.c's wasm_serve and wasm_boot_window were the aot
  // ones, overridden by host.c's), so a backend that left one out still linked.
  const names = [...readFileSync("boot/backend.h", "utf8").matchAll(/^(?:_Noreturn )?(?:const )?\w+ \*?(wasm_\w+)\(/gm)].map((m) => m[1]);
  it("names the functions main.c and the exceptions call", () => {
    assert.deepEqual([...names].sort(), ["wasm_abandon", "wasm_async_location", "wasm_backend", "wasm_boot_window", "wasm_fault", "wasm_load_all", "wasm_push_requested", "wasm_run", "wasm_serve", "wasm_takes_push"]);
  });
  for (const [backend, object] of [["wasm3", "build/obj/boot/wasm/host.c.o"], ["aot", "build/aot/obj/kernel8/aot.o"]]) {
    it(`${backend} defines each one in ${object}`, () => {
      const nm = spawnSync(process.env.NM ?? "aarch64-linux-gnu-nm", ["--defined-only", object], { encoding: "utf8" });
      assert.equal(nm.status, 0, nm.stderr);
      const defined = new Set([...nm.stdout.matchAll(/^\S+ T (\w+)$/gm)].map((m) => m[1]));
      assert.deepEqual(names.filter((n) => !defined.has(n)), [], `${object} lacks these (strong, in .text)`);
    });
  }
  it("no file of the stub gives one a weak default", () => {
    const files = (dir: string): string[] => readdirSync(dir).flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? files(p) : /\.[ch]$/.test(p) ? [p] : [];
    });
    const weak = files("boot").flatMap((f) => readFileSync(f, "utf8").split("\n").map((l, i) => ({ f, i, l })))
      .filter(({ l }) => /weak/.test(l) && names.some((n) => l.includes(n)));
    assert.deepEqual(weak.map(({ f, i, l }) => `${f}:${i + 1}: ${l.trim()}`), []);
  });
});

describe("the simulator's layout (tools/sim)", () => {
  // The page loads the simulator's modules in the browser: only the node
  // entry points (the API, a core's node worker, the server) may reach node.
  const NODE_ONLY = new Set(["tools/sim/index.ts", "tools/sim/core-node.ts", "tools/sim/serve.ts"]);
  const reached = (start: string[]): Map<string, string[]> => {
    const seen = new Map<string, string[]>();
    const walk = (f: string) => {
      if (seen.has(f)) return;
      const text = readFileSync(f, "utf8");
      const mods = [...text.matchAll(/^(?:import|export)\b[^;"'`]*?\bfrom\s*["']([^"']+)["']|^import\s*["']([^"']+)["']/gm)].map((m) => m[1] ?? m[2]);
      seen.set(f, mods.filter((m) => !m.startsWith(".")));
      for (const m of mods.filter((x) => x.startsWith("."))) {
        const p = relative(resolve("."), resolve(dirname(f), m.replace(/\.js$/, ".ts")));
        if (existsSync(p)) walk(p);
      }
    };
    start.forEach(walk);
    return seen;
  };
  it("what the page loads (web/page.ts, web/core-web.ts and all they import) imports nothing of node's, nor any package", () => {
    const seen = reached(["tools/sim/web/page.ts", "tools/sim/web/core-web.ts"]);
    assert.ok(seen.has("tools/sim/machine.ts") && seen.has("tools/abi/spec.ts"), "the walk follows the imports");
    for (const [file, external] of seen) {
      assert.ok(!NODE_ONLY.has(file), `${file} is node's only, but the page reaches it`);
      assert.deepEqual(external, [], `${file} imports ${external.join(", ")}, which a browser cannot load`);
    }
  });
});
