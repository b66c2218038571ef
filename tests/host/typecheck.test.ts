// Host tests of the type-checking that `make typecheck` does: every
// TypeScript file of the repository is in one of its three projects, and the
// kernel project (AssemblyScript's declarations) does report a type error.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { spawnSync } from "node:child_process";

const TSC = "node_modules/typescript/bin/tsc";
const PROJECTS = ["tsconfig.json", "assembly/tsconfig.json", "tests/spec/tsconfig.json"];
const tsc = (...args: string[]) => spawnSync(process.execPath, [TSC, ...args], { encoding: "utf8" });

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith(".") || e.name === "node_modules" || (dir === "." && e.name === "build")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) tsFiles(p, out);
    else if (e.name.endsWith(".ts")) out.push(p);
  }
  return out;
}

describe("type-checking", () => {
  it("make typecheck runs tsc on the tools, the kernel and the specs", () => {
    const recipe = readFileSync("Makefile", "utf8").match(/^typecheck:.*\n((?:\t.*\n)+)/m);
    assert.ok(recipe, "no typecheck target in the Makefile");
    for (const p of PROJECTS) assert.match(recipe[1], new RegExp(`--noEmit -p ${p.replace(/[./]/g, "\\$&")}\\n`), p);
  });

  it("every .ts file of the repository is in one of those projects", () => {
    const checked = new Set<string>();
    for (const p of PROJECTS) {
      const r = tsc("--listFilesOnly", "-p", p);
      assert.equal(r.status, 0, r.stdout + r.stderr);
      for (const f of r.stdout.split("\n")) if (f) checked.add(relative(".", f));
    }
    const missing = tsFiles(".").filter((f) => !checked.has(f));
    assert.deepEqual(missing, [], "not type-checked by make typecheck: add them to a project");
  });

  it("the kernel project reports a type error in kernel code, and passes it once fixed", () => {
    // A file outside the repository, in a project that extends the kernel's,
    // so the kernel's own tree is never touched.
    const dir = mkdtempSync(join(tmpdir(), "typecheck-"));
    const kernel = resolve("assembly");
    writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({
      extends: join(kernel, "tsconfig.json"),
      include: ["probe.ts", join(kernel, "asc.d.ts")],
    }));
    const probe = (period: string) => writeFileSync(join(dir, "probe.ts"),
      `import { Interval } from "${join(kernel, "kernel/exec/timer")}";\n` +
      `export function probe(): bool { const i = new Interval(${period}); return i.period == 10; }\n`);

    probe(`"10"`);                        // a string where asc wants a u64
    const bad = tsc("--noEmit", "-p", dir);
    assert.notEqual(bad.status, 0, "tsc accepted a string for a u64");
    assert.match(bad.stdout, /probe\.ts\(2,\d+\): error TS2345/);

    probe("10");
    const good = tsc("--noEmit", "-p", dir);
    assert.equal(good.status, 0, good.stdout);
  });
});
