// The resident compiler (tools/async/server.ts): a build it serves gives the
// same kernel.wasm, the same messages and the same exit code as one compiled
// by itself; it serves only its own project; with its tools changed on disk
// it refuses, stops, and the build is compiled by the client. Its own socket
// (TSPI_COMPILER_SOCKET), so that no other build of this tree reaches it.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";

const DIR = "build/compiler-fixtures";
const SOCKET = join(mkdtempSync(join(tmpdir(), "tspi-compiler-")), "c.sock");
const SERVER = "build/tools/tools/async/server.js";
const served = { ...process.env, TSPI_COMPILER_SOCKET: SOCKET };
const alone = { ...process.env, TSPI_NO_COMPILER_SERVER: "1" };

function server(...args: string[]) {
  return spawnSync(process.execPath, [SERVER, ...args], { encoding: "utf8", env: served });
}
function builds(): number {
  const r = server("status");
  const m = /(\d+) builds served/.exec(r.stdout);
  return m ? Number(m[1]) : -1;
}
function compile(file: string, out: string, env: NodeJS.ProcessEnv, cwd = process.cwd()) {
  return spawnSync(process.execPath, [join(process.cwd(), "build/tools/tools/async/asc.js"), file, "--target", "release", "--outFile", out], { encoding: "utf8", env, cwd });
}

const GOOD = [
  `import { println } from "../../assembly/arch/console";`,
  `async function twice(n: i32): Promise<i32> { return n * 2; }`,
  `export function kernel_start(core: u32): void { println("hello " + core.toString()); void twice(<i32>core); }`,
].join("\n") + "\n";
// An await inside a try with a finally: a construct the transform refuses, at the user's line.
const BAD = [
  `async function f(): Promise<i32> { return 1; }`,
  `async function g(): Promise<i32> {`,
  `  try { return await f(); } finally { }`,
  `}`,
  `export function kernel_start(core: u32): void { g(); }`,
].join("\n") + "\n";

describe("the resident compiler", { concurrency: false }, () => {
  before(() => {
    mkdirSync(DIR, { recursive: true });
    writeFileSync(join(DIR, "good.ts"), GOOD);
    writeFileSync(join(DIR, "bad.ts"), BAD);
    assert.equal(server("start", "--workers", "1", "--idle-exit", "60000").status, 0);
    assert.equal(builds(), 0, "a fresh compiler has served no build");
  });
  after(() => { server("stop"); });

  it("a build it serves is the one compiled by itself: the same bytes, messages and exit code", () => {
    const a = compile(join(DIR, "good.ts"), join(DIR, "good-served.wasm"), served);
    assert.equal(builds(), 1, "the build did not go through the compiler");
    const b = compile(join(DIR, "good.ts"), join(DIR, "good-alone.wasm"), alone);
    assert.equal(a.status, 0, a.stderr);
    assert.equal(b.status, 0, b.stderr);
    assert.deepEqual(readFileSync(join(DIR, "good-served.wasm")), readFileSync(join(DIR, "good-alone.wasm")));
    assert.equal(a.stdout, b.stdout);
    assert.match(a.stdout, /ASYNC {4}twice \(build\/compiler-fixtures\/good\.ts:2\)/);
    assert.equal(readFileSync(join(DIR, "good-served.percore.json"), "utf8"), readFileSync(join(DIR, "good-alone.percore.json"), "utf8"));
  });

  it("an error at the user's line reads the same, and the build fails the same", () => {
    const a = compile(join(DIR, "bad.ts"), join(DIR, "bad-served.wasm"), served);
    const b = compile(join(DIR, "bad.ts"), join(DIR, "bad-alone.wasm"), alone);
    assert.equal(a.status, 1);
    assert.equal(a.status, b.status);
    assert.equal(a.stderr, b.stderr);
    assert.match(a.stderr, /^build\/compiler-fixtures\/bad\.ts:3:\d+: error: /m);
    assert.equal(existsSync(join(DIR, "bad-served.wasm")), false);
  });

  it("the build's later steps (shared module variables, the module's checks) run there too: a refused module is removed, the same way", () => {
    const bad = "tests/kernels-bad/bad-import.ts";
    const a = spawnSync(process.execPath, ["build/tools/tools/async/asc.js", bad, "--outFile", join(DIR, "bad-import-served.wasm"), "--share-globals", "--check"], { encoding: "utf8", env: served });
    const b = spawnSync(process.execPath, ["build/tools/tools/async/asc.js", bad, "--outFile", join(DIR, "bad-import-alone.wasm"), "--share-globals", "--check"], { encoding: "utf8", env: alone });
    assert.equal(a.status, 3, a.stderr);
    assert.equal(b.status, 3, b.stderr);
    assert.match(a.stderr, /error: \S+bad-import-served\.wasm: cpu\.teleport: the host has no such import/);
    assert.equal(a.stderr.replaceAll("served", "alone"), b.stderr);
    assert.match(a.stdout, /SHARED {3}build\/compiler-fixtures\/bad-import-served\.wasm: /);
    assert.equal(existsSync(join(DIR, "bad-import-served.wasm")), false, "the refused module is not left for make to take as built");
  });

  it("a build from another folder is not its project's: compiled by itself, as it would be there", () => {
    const other = mkdtempSync(join(tmpdir(), "tspi-other-"));
    const before = builds();
    const a = compile(join(process.cwd(), DIR, "good.ts"), join(other, "a.wasm"), served, other);
    assert.equal(builds(), before, "the compiler served a build of another folder");
    const b = compile(join(process.cwd(), DIR, "good.ts"), join(other, "b.wasm"), alone, other);
    assert.equal(a.status, b.status);
    assert.equal(a.stderr.replaceAll("a.wasm", "b.wasm"), b.stderr);
    rmSync(other, { recursive: true, force: true });
  });

  it("started for a process (--while-pid: make qemu's shell), it stops once that process has ended", async () => {
    const socket = join(mkdtempSync(join(tmpdir(), "tspi-compiler-")), "c.sock");
    const env = { ...process.env, TSPI_COMPILER_SOCKET: socket };
    const owner = spawn("sleep", ["30"]);
    assert.equal(spawnSync(process.execPath, [SERVER, "start", "--while-pid", String(owner.pid)], { encoding: "utf8", env }).status, 0);
    assert.equal(spawnSync(process.execPath, [SERVER, "status"], { encoding: "utf8", env }).status, 0, "it did not start");
    owner.kill("SIGKILL");
    let gone = false;
    for (let i = 0; i < 50 && !gone; i++) {
      await new Promise((r) => setTimeout(r, 100));
      gone = spawnSync(process.execPath, [SERVER, "status"], { encoding: "utf8", env }).status !== 0;
    }
    assert.ok(gone, "the compiler outlived the process it was started for");
  });

  it("with its tools changed on disk, it refuses the build and stops; the build compiles by itself", () => {
    const tool = "build/tools/tools/async/layout.js";
    const t = statSync(tool);
    utimesSync(tool, t.atime, new Date(t.mtimeMs + 1000));
    try {
      const r = compile(join(DIR, "good.ts"), join(DIR, "good-stale.wasm"), served);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(readFileSync(join(DIR, "good-stale.wasm")), readFileSync(join(DIR, "good-alone.wasm")));
      let gone = false;
      for (let i = 0; i < 40 && !gone; i++) { gone = builds() < 0; if (!gone) spawnSync("sleep", ["0.05"]); }
      assert.ok(gone, "the compiler still answers after its tools changed");
    } finally { utimesSync(tool, t.atime, t.mtime); }
  });
});
