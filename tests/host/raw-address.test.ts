// The build's check for an object published only by its address
// (tools/async/raw-address.ts): the pattern is an error at the user's
// file:line:col with what to write instead, and the build makes no .wasm;
// what the collector does see, and the library, pass. And top-level code
// that sets a @perCore variable (core 0's copy only) is an error too.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync, existsSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { spawnSync } from "node:child_process";
import ts = require("typescript");
import { findRawAddresses, checkRawAddresses } from "../../tools/async/raw-address.js";
import { checkPerCoreWrites } from "../../tools/async/percore.js";

const DIR = "build/raw-address-fixtures";

function check(body: string): string[] {
  const sf = ts.createSourceFile("user.ts", body, ts.ScriptTarget.ESNext, true);
  return findRawAddresses(sf, "user.ts").map((d) => `${d.line}:${d.col} ${d.message}`);
}

describe("objects stored as raw addresses (the collector cannot see them)", () => {
  it("atomic stores, exchanges and compare-and-swaps of changetype<number>(obj) are errors at the value", () => {
    const errors = check([
      "atomic.store32(SLOT, changetype<u32>(port));",
      "atomic.store32(SLOT, <u32>changetype<usize>(cx.waker));",
      "a.xchg32(SLOT, (changetype<usize>(t) as u32));",
      "atomic.cas32(SLOT, 0, changetype<u32>(t));",
      "atomic.store64(SLOT, changetype<u64>(t));",
      "store<usize>(p, changetype<usize>(node), 4);",
    ].join("\n"));
    assert.deepEqual(errors.map((e) => e.slice(0, e.indexOf(" "))), ["1:22", "2:22", "3:16", "4:23", "5:22", "6:17"]);
    assert.match(errors[0], /^1:22 atomic\.store32 stores `port` as a number: the collector does not see a reference kept that way/);
    assert.match(errors[0], /AtomicRef<T>.*slot\.set\(port\).*atomic\.storeUnchecked32/);
    assert.match(errors[5], /store<usize> stores `node`/);
  });
  it("an address that goes through a local first is the same pattern", () => {
    const errors = check([
      "function f(obj: Box): void {",
      "  const a = <u32>changetype<usize>(obj);",
      "  atomic.store32(SLOT, a);",
      "}",
    ].join("\n"));
    assert.equal(errors.length, 1, errors.join("\n"));
    assert.match(errors[0], /^3:24 atomic\.store32 stores `obj` as a number/);
  });
  it("what is not a published object passes: addresses used as pointers, numbers, the unchecked stores, casts to a class", () => {
    assert.deepEqual(check([
      "atomic.store32(changetype<usize>(this) + 8, 1);",          // the object's own field, by address
      "atomic.store32(SLOT, count + 1);",
      "atomic.storeUnchecked32(SLOT, changetype<u32>(pinned));",   // said on purpose
      "atomic.store32(SLOT, changetype<u32>(0));",
      "store<f64>(p, changetype<f64>(bits));",
      "const t = changetype<Task>(<usize>atomic.load32(SLOT));",
      "slot.set(task);",
    ].join("\n")), []);
  });
  it("the library (assembly/) keeps its own by-address lists and roots them: not checked", () => {
    const text = "atomic.store32(SLOT, changetype<u32>(t));\n";
    const lib = resolve("assembly/kernel/x.ts"), user = resolve("examples/x/main.ts");
    assert.equal(checkRawAddresses([{ abs: lib, rel: "assembly/kernel/x.ts", text }], resolve("assembly")).length, 0);
    assert.equal(checkRawAddresses([{ abs: user, rel: "examples/x/main.ts", text }], resolve("assembly")).length, 1);
  });
  it("the build stops at the user's line and writes no kernel.wasm", () => {
    mkdirSync(DIR, { recursive: true });
    const file = join(DIR, "publish.ts"), out = join(DIR, "publish.wasm");
    rmSync(out, { force: true });
    writeFileSync(file, [
      `import * as atomic from "../../assembly/arch/atomic";`,
      `class Box { n: i32 = 1; }`,
      `const SLOT = memory.data(4, 4);`,
      `export function kernel_start(core: u32): void {`,
      `  const b = new Box();`,
      `  atomic.store32(SLOT, <u32>changetype<usize>(b));`,
      `}`,
    ].join("\n") + "\n");
    const r = spawnSync(process.execPath, ["build/tools/tools/async/asc.js", file, "--outFile", out], { encoding: "utf8" });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^build\/raw-address-fixtures\/publish\.ts:6:24: error: atomic\.store32 stores `b` as a number/m);
    assert.match(r.stderr, /1 object\(s\) stored as a raw address/);
    assert.equal(existsSync(out), false);
  });
});

describe("top-level code that sets a @perCore variable (it runs on core 0 only)", () => {
  const run = (text: string) => checkPerCoreWrites([{ abs: resolve("examples/x/main.ts"), rel: "examples/x/main.ts", text }])
    .map((d) => `${d.line}:${d.col} ${d.message}`);
  it("an assignment, a compound one, ++ and one inside a top-level if are errors at the variable", () => {
    const errors = run([
      "@perCore let count: i32 = 0;",
      "@perCore let ready = false;",
      "count = 5;",
      "count += 2;",
      "if (true) { ready = true; }",
      "++count;",
    ].join("\n"));
    assert.deepEqual(errors.map((e) => e.slice(0, e.indexOf(" "))), ["3:1", "4:1", "5:13", "6:3"]);
    assert.match(errors[0], /^3:1 top-level code sets the @perCore variable count: it runs once, on core 0, so cores 1 to 3 keep the initial value/);
  });
  it("writes inside functions, methods and arrows, and to variables that are not @perCore, pass", () => {
    assert.deepEqual(run([
      "@perCore let count: i32 = 0;",
      "let shared = 0;",
      "shared = 3;",
      "function f(): void { count = 1; }",
      "class C { m(): void { count++; } }",
      "const g = (): void => { count = 2; };",
      "export function kernel_start(core: u32): void { count = <i32>core; }",
    ].join("\n")), []);
  });
  it("the build stops at the user's line", () => {
    mkdirSync(DIR, { recursive: true });
    const file = join(DIR, "percore.ts"), out = join(DIR, "percore.wasm");
    rmSync(out, { force: true });
    writeFileSync(file, ["// @ts-ignore: decorator", "@perCore let hits: u32 = 0;", "hits = 7;", "export function kernel_start(core: u32): void { hits++; }"].join("\n") + "\n");
    const r = spawnSync(process.execPath, ["build/tools/tools/async/asc.js", file, "--outFile", out], { encoding: "utf8" });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /^build\/raw-address-fixtures\/percore\.ts:3:1: error: top-level code sets the @perCore variable hits/m);
    assert.equal(existsSync(out), false);
  });
});
