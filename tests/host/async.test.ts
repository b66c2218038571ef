// The async transform (tools/async/), on this machine: what it cannot lower
// is an error at the user's file:line:col that says what to write instead;
// asc's errors inside a lowered function point at the user's line; the
// lowered code is kept in build/async/; the size it reports for a state
// machine is the size asc gives the class. Behaviour (traces, cancellation)
// is in tests/spec/async.spec.ts and the QEMU tests.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { lowerProgram } from "../../tools/async/compile.js";
import { machineBytes } from "../../tools/async/layout.js";
import { mayNeedLowering } from "../../tools/async/lower.js";
import { sourcePosition } from "../../tools/async/positions.js";

const DIR = "build/async-fixtures";
const HEAD = `import { Channel, sleep, spawn, runOnce, Future, Mutex } from "../../assembly/kernel/exec";\n`;

/** Writes a fixture (after HEAD, so line 2 is its first line) and lowers it. */
function lower(name: string, body: string): { errors: string[]; text: string } {
  mkdirSync(DIR, { recursive: true });
  const file = join(DIR, `${name}.ts`);
  writeFileSync(file, HEAD + body);
  const { files, errors } = lowerProgram([file]);
  const text = [...files.values()].find((f) => f.rel.endsWith(`${name}.ts`))?.result.text ?? "";
  return { errors: errors.map((e) => `${e.file}:${e.line}:${e.col}: ${e.message}`), text };
}

function expectError(name: string, body: string, where: string, message: RegExp): void {
  const { errors } = lower(name, body);
  assert.ok(errors.length > 0, `${name}: no error`);
  const hit = errors.find((e) => e.startsWith(`${DIR}/${name}.ts:${where}: `));
  assert.ok(hit, `${name}: expected an error at ${where}, got:\n${errors.join("\n")}`);
  assert.match(hit!, message);
}

describe("the async transform: leaf futures, marked by the library", () => {
  it("after an await of a future whose class says @leaf the place stays known; after any other it is named again", () => {
    const { errors, text } = lower("leaf", [
      'import { Context } from "../../assembly/kernel/exec";',
      "class Other extends Future { protected pollOnce(cx: Context): bool { return true; } }",
      "/** Ready at once. @leaf its poll runs no other future's code */",
      "class Quick extends Future { protected pollOnce(cx: Context): bool { return true; } }",
      "export async function f(a: Other, b: Quick): Promise<void> {",
      "  let x = 1;",
      "  await b;",
      "  x = 2;",
      "  await a;",
      "  x = 3;",
      "}",
      "",
    ].join("\n"));
    assert.deepEqual(errors, []);
    const after = (line: number) => text.split("\n").find((l) => new RegExp(`__note(Async|AsyncLine)\\((.*, )?${line}\\);`).test(l))?.trim();
    assert.equal(after(9), "__noteAsyncLine(9);", text);                     // after the leaf: only the line
    assert.match(after(11) ?? "", /^__noteAsync\("f \(build\/async-fixtures\/leaf\.ts:6\)", 11\);$/, text);   // after the other: named again
    // The library marks its own waits so (Sleep, ChannelRecv, ...): no list of names in the transform.
    assert.doesNotMatch(readFileSync("tools/async/lower/statements.ts", "utf8"), /"ChannelRecv"/);
  });
});

describe("the async transform: what it cannot lower is an error at the user's line", () => {
  it("await outside an async function", () => {
    expectError("outside", "export function f(ch: Channel<i32>): void {\n  const v = await ch.recv();\n}\n", "3:13", /await/);
  });
  it("an async arrow function (AssemblyScript has no closures): says what to write instead", () => {
    expectError("arrow", "export const f = async (): Promise<void> => { await sleep(1); };\n", "2:18", /async arrow function.*write an `async function` at the top level/);
  });
  it("an async function without a Promise<T> result", () => {
    expectError("result", "export async function f(): void { await sleep(1); }\n", "2:23", /must declare its result as `Promise<T>`/);
  });
  it("awaiting something that is not a future", () => {
    expectError("notfuture", "export async function f(n: i32): Promise<void> { await n; }\n", "2:56", /`await` needs a Future .*this is a `i32`/);
  });
  it("a local that lives across an await with no type the transform can be sure of (a bare number)", () => {
    expectError("number", "export async function f(a: i32): Promise<i32> {\n  let n = a + 1;\n  await sleep(1);\n  return n;\n}\n", "3:7", /`n` lives across an await.*annotate it \(`let n: i32 = \.\.\.`\).*TypeScript sees `number`/);
  });
  it("a local not read after any await stays a local: no advice to annotate it (issue 29)", () => {
    const { errors, text } = lower("deadafter", "export async function f(a: u32): Promise<void> {\n  const end = a + 1;\n  if (end > 3) return;\n  await sleep(1);\n}\n");
    assert.deepEqual(errors, []);
    assert.match(text, /const end = this\.a \+ 1;/);
    assert.doesNotMatch(text, /^ {2}end:/m);
  });
  it("the advice names the type of the initializer's first typed operand (u32 here), or says there is none (issue 29)", () => {
    expectError("u32advice", "export async function f(a: u32): Promise<u32> {\n  const end = a + 1;\n  await sleep(1);\n  return end;\n}\n", "3:9", /annotate it \(`const end: u32 = \.\.\.`\), the type of its first typed operand/);
    expectError("noadvice", "export async function f(): Promise<f64> {\n  const x = 2 * 3;\n  await sleep(1);\n  return <f64>x;\n}\n", "3:9", /nothing in its initializer says which numeric type it is, so annotate it with the one you mean \(`const x: <type> = \.\.\.`\)/);
  });
  it("a local read in a loop that awaits, or in the incrementor of a for that awaits, lives across the await", () => {
    const { errors, text } = lower("loops", "export async function f(n: i32): Promise<i32> {\n  let total: i32 = 0;\n  for (let i: i32 = 0; i < n; i++) { total += i; await sleep(1); }\n  let k: i32 = 0;\n  while (k < n) { k++; await sleep(1); }\n  return total;\n}\n");
    assert.deepEqual(errors, []);
    for (const f of ["total", "i", "k"]) assert.match(text, new RegExp(`^ {2}${f}: i32;$`, "m"), f);
  });
  it("a local set from a number literal takes the type asc gives it (i32, f64), as asc would", () => {
    const { errors, text } = lower("literal", "export async function f(): Promise<f64> {\n  let n = 0;\n  let x = 1.5;\n  await sleep(1);\n  return <f64>n + x;\n}\n");
    assert.deepEqual(errors, []);
    assert.match(text, /^ {2}n: i32;$/m);
    assert.match(text, /^ {2}x: f64;$/m);
  });
  it("try/catch (AssemblyScript has no exceptions)", () => {
    expectError("try", "export async function f(): Promise<void> {\n  try { await sleep(1); } catch (e) {}\n}\n", "3:3", /`try` is not supported/);
  });
  it("await inside a function nested in an async function", () => {
    expectError("nested", "export async function f(): Promise<void> {\n  function g(): void { await sleep(1); }\n  await sleep(2);\n}\n", "3:3", /await.*nested|await/);
  });
  it("for await", () => {
    expectError("forawait", "export async function f(a: Array<Future>): Promise<void> {\n  for await (const x of a) {}\n}\n", "3:3", /`for await` is not supported/);
  });
  it("a value from a future that gives none", () => {
    expectError("novalue", "export async function f(): Promise<void> {\n  const x = await sleep(1);\n}\n", "3:13", /gives no value/);
  });
});

describe("the async transform: what it makes", () => {
  it("locals that do not cross an await stay locals; those that do become fields; parameters are fields", () => {
    const { errors, text } = lower("fields", [
      "export async function f(ch: Channel<i32>): Promise<i32> {",
      "  const before: i32 = 1;",
      "  const got = await ch.recv();",
      "  const after: i32 = got + before;",
      "  return after;",
      "}",
    ].join("\n") + "\n");
    assert.deepEqual(errors, []);
    assert.match(text, /^ {2}ch: Channel<i32>;$/m);
    assert.match(text, /^ {2}before: i32;$/m);                 // crosses the await
    assert.doesNotMatch(text, /^ {2}after/m);                   // does not
    assert.match(text, /const after: i32 = got \+ this\.before;/);
    assert.match(text, /class f\$Future extends __AsyncFuture<i32>/);
  });

  it("a local annotated with Promise<T> in its type, and one whose type holds Promise<bool>, become fields of types the build knows", () => {
    const { errors, text } = lower("promise-types", [
      "import { JoinHandle, spawnJoin } from \"../../assembly/kernel/exec\";",
      "async function flag(): Promise<bool> { return true; }",
      "async function num(): Promise<i32> { return 1; }",
      "export async function f(ch: Channel<i32>): Promise<i32> {",
      "  const a: JoinHandle<Promise<i32>> = spawnJoin(num());",
      "  const b = spawnJoin(flag());",
      "  await ch.recv();",
      "  const x = await a;",
      "  const y = await b;",
      "  return y ? x : 0;",
      "}",
    ].join("\n") + "\n");
    assert.deepEqual(errors, []);
    assert.match(text, /^ {2}a!?: JoinHandle<__AsyncFuture<i32>>;$/m);
    assert.match(text, /^ {2}b!?: (?:__)?JoinHandle<__AsyncFuture<bool>>;$/m);   // named by the transform, under its own alias
  });

  it("an enum (a result, a local across an await) is an i32 to the transform, as it is to asc", () => {
    const { errors, text } = lower("enum-types", [
      "export const enum Status { Ok = 0, Busy = 1 }",
      "async function status(ch: Channel<i32>): Promise<Status> { return (await ch.recv()) ? Status.Busy : Status.Ok; }",
      "export async function f(ch: Channel<i32>): Promise<i32> {",
      "  const s = await status(ch);",
      "  await ch.recv();",
      "  return s == Status.Busy ? 1 : 0;",
      "}",
    ].join("\n") + "\n");
    assert.deepEqual(errors, []);
    assert.match(text, /^ {2}s!?: i32;$/m);
    assert.match(text, /__AsyncFuture<i32>/);
  });
  it("a subarray() across an await is a field of the receiver's class, not AssemblyScript's abstract TypedArray<T>", () => {
    const { errors, text } = lower("subarray-types", [
      "export async function f(ch: Channel<i32>, whole: Uint8Array): Promise<i32> {",
      "  const part = whole.subarray(1, 3);",
      "  await ch.recv();",
      "  return part.length;",
      "}",
    ].join("\n") + "\n");
    assert.deepEqual(errors, []);
    assert.match(text, /^ {2}part!?: Uint8Array;$/m);
  });
  it("a future made and dropped is an error at its line, with what to write instead; await, spawn, a kept future, void and a dropped JoinHandle are not", () => {
    const { errors } = lower("dropped", [
      "export async function step(): Promise<void> { await sleep(1); }",              // line 2
      "export function plain(m: Mutex<i32>): void {",                                  // 3: no async in this function
      "  sleep(1000);",                                                                // 4: a Sleep dropped
      "  step();",                                                                     // 5: an async function's future dropped
      "  (m.lock());",                                                                 // 6: a MutexGuard (a Future) dropped
      "  spawn(step());",                                                              // 7: a JoinHandle dropped: fine
      "  const kept = sleep(5);",                                                      // 8: kept
      "  void step();",                                                                // 9: meant
      "  runOnce();",                                                                  // 10: a bool
      "}",
      "export async function waits(): Promise<void> { await step(); sleep(2); }",      // 12: awaited; then one dropped
    ].join("\n") + "\n");
    const at = errors.filter((e) => e.includes("dropped.ts")).map((e) => e.split(": ")[0].replace(`${DIR}/dropped.ts:`, ""));
    assert.deepEqual(at, ["4:3", "5:3", "6:4", "12:62"], errors.join("\n"));
    const sleepError = errors.find((e) => e.includes("dropped.ts:4:3"))!;
    assert.match(sleepError, /`sleep\(\.\.\.\)` makes a future \(Sleep\) and drops it: a future runs only when it is polled/);
    assert.match(sleepError, /Write `await sleep\(\.\.\.\)` in an async function, `spawn\(sleep\(\.\.\.\)\)`/);
    assert.match(errors.find((e) => e.includes("dropped.ts:5:3"))!, /`step\(\.\.\.\)` makes a future \(Promise<void>\)/);
  });

  it("a file without async or await is left alone (comments and strings do not count)", () => {
    assert.equal(mayNeedLowering("// the async executor\nconst s = \"await\";\n"), false);
    assert.equal(mayNeedLowering("async function f(): Promise<void> {}"), true);
  });

  it("the lowered code is kept in build/async/, and asc's errors in it point at the user's line", () => {
    mkdirSync(DIR, { recursive: true });
    const file = join(DIR, "ascerror.ts");
    writeFileSync(file, HEAD + [
      "export async function f(ch: Channel<i32>): Promise<i32> {",
      "  const v = await ch.recv();",
      "  const s: string = v;",                               // line 4: the user's type error
      "  return 0;",
      "}",
      "export function start(ch: Channel<i32>): void { spawn(f(ch)); runOnce(); }",   // so that asc compiles the machine
    ].join("\n") + "\n");
    const r = spawnSync(process.execPath, ["build/tools/tools/async/asc.js", file, "--outFile", join(DIR, "ascerror.wasm")], { encoding: "utf8" });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /in build\/async-fixtures\/ascerror\.ts\(4,21\) \[in the code lowered from an async function: build\/async\/build\/async-fixtures\/ascerror\.ts\(\d+,\d+\)\]/, r.stderr);
    assert.ok(existsSync(join("build/async", file)), "the lowered file is kept");
    assert.match(readFileSync(join("build/async", file), "utf8"), /^\/\* Lowered from build\/async-fixtures\/ascerror\.ts/);
  });

  it("make's size of a state machine is the size asc gives its class (offsetof)", () => {
    mkdirSync(DIR, { recursive: true });
    const file = join(DIR, "size.ts");
    writeFileSync(file, HEAD + [
      "export async function f(ch: Channel<i32>, flag: bool, big: u64): Promise<u64> {",
      "  const a: u8 = 1;",
      "  const v = await ch.recv();",
      "  const m = new Mutex<i32>(0);",
      "  await sleep(1);",
      "  return big + <u64>v + <u64>a + (flag ? 1 : 0) + <u64>m.value;",
      "}",
      "export function start(ch: Channel<i32>): void { spawn(f(ch, true, 1)); runOnce(); }",
      "// @ts-ignore: the class the transform makes",
      "export function size(): usize { return offsetof<f$Future>(); }",
    ].join("\n") + "\n");
    const wat = join(DIR, "size.wat");
    const r = spawnSync(process.execPath, ["build/tools/tools/async/asc.js", file, "--outFile", join(DIR, "size.wasm"), "--textFile", wat], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const printed = r.stdout.match(/ASYNC +f \(build\/async-fixtures\/size\.ts:2\): (\d+) bytes of state \((\d+) on the heap\), (\d+) states/);
    assert.ok(printed, r.stdout);
    const body = readFileSync(wat, "utf8").match(/\(func \$build\/async-fixtures\/size\/size \(result i32\)\s+i32\.const (\d+)/);
    assert.ok(body, "size() in the wat");
    assert.equal(Number(printed[1]), Number(body[1]), "the transform's layout agrees with asc's");
    const { files } = lowerProgram([file]);
    const m = [...files.values()][0].result.machines[0];
    assert.equal(machineBytes(m).bytes, Number(body[1]));
  });
});

describe("positions in lowered code, back in the user's file (issue 28)", () => {
  const source = ["import { x } from \"./x\";", "function f(): void {", "  assert(n > 0);", "}", "async function g(n: i32): Promise<void> {", "  await sleep(1);", "  assert(n > 1, \"n\");", "}"];
  const lowered = ["import { AsyncFn as __AsyncFn } from \"./exec\";", "", "import { x } from \"./x\";", "function f(): void {", "  assert(n > 0);", "}",
    "class g$Future extends __AsyncFn {", "          assert(this.n > 1, \"n\");", "}"];
  const lineMap = [1, 1, 1, 2, 3, 4, 5, 7, 8];
  const f = { lowered, source, lineMap };
  it("a line copied as it is keeps its column; its line is the source's", () => {
    assert.deepEqual(sourcePosition(f, 5, 3), { line: 3, col: 3, rewritten: false });
  });
  it("in a line the transform rewrote, the column is where the same token stands in the source line", () => {
    assert.deepEqual(sourcePosition(f, 8, 11), { line: 7, col: 3, rewritten: true });       // assert(
    assert.deepEqual(sourcePosition(f, 8, 18), { line: 7, col: 10, rewritten: true });      // this.n -> n
  });
});

describe("asc's messages the kernel's build explains (issue 28)", () => {
  it("a mention of __stack_pointer: what asc's 65537 pages mean, and what to do", () => {
    mkdirSync(DIR, { recursive: true });
    const file = join(DIR, "stackpointer.ts");
    writeFileSync(file, HEAD + "export function sp(): usize { return __stack_pointer; }\n");
    const r = spawnSync(process.execPath, ["build/tools/tools/async/asc.js", file, "--outFile", join(DIR, "stackpointer.wasm")], { encoding: "utf8" });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /error: the kernel mentions __stack_pointer, asc's shadow stack, which kernels are built without \(asconfig\.json: "stackSize": -1;.*Remove the mention of __stack_pointer\./, r.stderr);
  });
});
