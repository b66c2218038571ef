// The package as a user gets it (issue 23): `npm pack`, `tspi init` in an
// empty folder, the tarball installed there, the editor's view (tsc) clean,
// the project built and booted in QEMU on both boards, its QEMU checks run
// by `tspi test` (one that passes, one that must fail), and the command's
// answers to bad input.
import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { spawn, spawnSync, SpawnSyncReturns } from "node:child_process";
import { BOARDS } from "../../tools/boards/index.js";
import { runQemu } from "../../tools/run/qemu.js";
import { parseArgs, UsageError } from "../../tools/cli/tspi.js";
import { rewriteLibImports, LIB } from "../../tools/kernel/lib-path.js";

const REPO = resolve(".");
const CLI = join(REPO, "build/tools/tools/cli/tspi.js");   // (tspi init: npx runs it before the project has the package)

function run(cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, encoding: "utf8", env: { ...process.env, MAKEFLAGS: "", MFLAGS: "", MAKELEVEL: "" } });
}
function ok(r: SpawnSyncReturns<string>, what: string): void {
  assert.equal(r.status, 0, `${what} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
}

describe("the tspi command's arguments", () => {
  it("an unknown command, board, backend or option is an error that says what is valid", () => {
    assert.throws(() => parseArgs(["bogus"]), (e: Error) => e instanceof UsageError && /unknown command 'bogus': the commands are init, build, qemu/.test(e.message));
    assert.throws(() => parseArgs(["qemu", "--board", "pi5"]), /unknown board 'pi5': valid boards are pi3 pi4/);
    assert.throws(() => parseArgs(["build", "--backend", "jit"]), /--backend jit: give wasm3 .* or aot/);
    assert.throws(() => parseArgs(["build", "--frobnicate"]), /unknown option --frobnicate/);
    assert.throws(() => parseArgs(["qemu", "--board"]), /--board needs a value/);
    assert.throws(() => parseArgs(["build", "--memory", "63"]), /--memory 63: give an even number of MiB/);
    assert.deepEqual(parseArgs(["qemu", "--board=pi4", "--backend", "aot"]).opts, { board: "pi4", backend: "aot" });
  });
  it("a \"tspi\" import becomes the library file's relative path on the same line", () => {
    const file = join(REPO, "examples/x/main.ts");
    const text = 'import { spawn } from "tspi";\nimport * as gpio from "tspi/drivers/gpio"; // two\nimport { y } from "./tspi";\nconst s = "tspi";\n';
    assert.equal(rewriteLibImports(text, file),
      'import { spawn } from "../../assembly/index";\nimport * as gpio from "../../assembly/drivers/gpio"; // two\nimport { y } from "./tspi";\nconst s = "tspi";\n');
    assert.equal(LIB, join(REPO, "assembly"));
  });
});

describe("the package, installed into a project of its own", { concurrency: 1 }, () => {
  let work = "", project = "", tarball = "";
  /** The command as the project has it: the installed package's, which runs make in node_modules/tspi. */
  const installed = () => join(project, "node_modules/tspi/build/tools/tools/cli/tspi.js");
  before(() => {
    work = mkdtempSync(join(tmpdir(), "tspi-pkg-"));
    const packed = run("npm", ["pack", "--pack-destination", work, "--ignore-scripts", "--json"], REPO);
    ok(packed, "npm pack");
    tarball = join(work, (JSON.parse(packed.stdout) as { filename: string }[])[0].filename);
    ok(run(process.execPath, [CLI, "init", "my-kernel"], work), "tspi init");
    project = join(work, "my-kernel");
  });
  after(() => { if (work) rmSync(work, { recursive: true, force: true }); });

  it("tspi init writes the project, and refuses a folder that is not empty", () => {
    for (const f of ["package.json", "tsconfig.json", ".gitignore", "README.md", "src/main.ts", "test/sleep.ts", "test/producer.spec.ts", "test/as-pect.d.ts", "bench/compute.ts"]) assert.ok(existsSync(join(project, f)), f);
    const again = run(process.execPath, [CLI, "init", "my-kernel"], work);
    assert.equal(again.status, 2);
    assert.match(again.stderr, /my-kernel is not empty: give a new folder's name \(nothing was written\)/);
  });

  it("the tarball installs; the editor's view of the project (tsc) has no error, and sees a wrong import", () => {
    ok(run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", tarball], project), "npm install");
    const pkg = readdirSync(join(project, "node_modules/tspi"));
    for (const f of ["assembly", "boot", "Makefile", "tsconfig.kernel.json", "build"]) assert.ok(pkg.includes(f), `the package has no ${f}: ${pkg.join(" ")}`);
    assert.ok(!existsSync(join(project, "node_modules/tspi/assembly/main.ts")), "the repository's own kernel (assembly/main.ts) is not in the package");
    ok(run(join(project, "node_modules/.bin/tsc"), ["--noEmit", "-p", "."], project), "tsc on the project");
    writeFileSync(join(project, "test/typo.ts"), 'import { spwan } from "tspi";\nexport function main(): void { spwan(); }\n');
    const typo = run(join(project, "node_modules/.bin/tsc"), ["--noEmit", "-p", "."], project);
    spawnSync("rm", [join(project, "test/typo.ts")]);
    assert.notEqual(typo.status, 0);
    assert.match(typo.stdout, /test\/typo\.ts\(1,10\): error TS2724: '"tspi"' has no exported member named 'spwan'/);
  });

  it("tspi build makes build/kernel8.img with one copy of the library, and it boots on every board", async () => {
    ok(run(process.execPath, [installed(), "build"], project), "tspi build");
    assert.ok(existsSync(join(project, "build/kernel8.img")));
    assert.deepEqual(readdirSync(join(project, "node_modules/tspi/build")), ["tools"], "nothing was built in the package's folder");
    const wat = run("wasm2wat", [join(project, "build/kernel.wasm")], project).stdout;
    assert.equal((wat.match(/\(func \$[^ ]*kernel\/mem\/heap\/kernelHeap /g) ?? []).length, 1, "the allocator once (a library file reached twice is compiled twice)");
    for (const b of BOARDS) {
      const r = await runQemu({ board: b.name, image: join(project, "build/kernel8.img"), timeoutMs: 30_000, until: /5 squared is 25/ });
      assert.equal(r.timedOut, false, `${b.name}: timed out:\n${r.output}`);
      assert.match(r.output, /hello from my-kernel\n/);
      assert.match(r.output, /cores online: 4/);
    }
  });

  it("tspi qemu, then tspi push from the project after an edit: the new kernel's line shows in the running console", { timeout: 120_000 }, async () => {
    const env = { ...process.env, MAKEFLAGS: "", MFLAGS: "", MAKELEVEL: "" };
    const con = spawn(process.execPath, [installed(), "qemu"], { cwd: project, env, stdio: ["pipe", "pipe", "pipe"], detached: true });
    let shown = "";
    con.stdout.on("data", (d: Buffer) => { shown += d.toString("latin1"); });
    con.stderr.on("data", (d: Buffer) => { shown += d.toString("latin1"); });
    const until = async (re: RegExp, ms = 60_000) => {
      for (const end = Date.now() + ms; !re.test(shown);) {
        if (Date.now() > end) throw new Error(`no ${re} within ${ms} ms; tspi qemu showed:\n${shown}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const main = join(project, "src/main.ts");
    const before = readFileSync(main, "utf8");
    try {
      await until(/hello from my-kernel\r?\n/);
      assert.ok(before.includes("hello from my-kernel"), "the template prints its greeting");
      writeFileSync(main, before.replace("hello from my-kernel", "hello again from my-kernel"));
      const p = run(process.execPath, [installed(), "push"], project);
      ok(p, "tspi push");
      assert.match(p.stderr, /push: accepted: \d+ bytes/);
      await until(/hello again from my-kernel\r?\n/);
    } finally {
      writeFileSync(main, before);
      try { process.kill(-con.pid!, "SIGTERM"); } catch { /* gone */ }
      await new Promise((r) => con.once("exit", r));
    }
  });

  it("tspi sim serves the project's kernel with the headers shared memory needs, its map and its own sources; the node API from the installed package runs it", { timeout: 120_000 }, async () => {
    const env = { ...process.env, MAKEFLAGS: "", MFLAGS: "", MAKELEVEL: "", SIM_PORT: "0" };
    const sim = spawn(process.execPath, [installed(), "sim"], { cwd: project, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let shown = "";
    sim.stdout.on("data", (d: Buffer) => { shown += d.toString(); });
    sim.stderr.on("data", (d: Buffer) => { shown += d.toString(); });
    try {
      let url = "";
      for (const end = Date.now() + 60_000; !url;) {
        url = shown.match(/^sim: (http:\/\/localhost:\d+\/)/m)?.[1] ?? "";
        if (!url && Date.now() > end) throw new Error(`tspi sim printed no address within 60 s:\n${shown}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const page = await fetch(url);
      assert.equal(page.status, 200);
      assert.equal(page.headers.get("cross-origin-opener-policy"), "same-origin");
      assert.equal(page.headers.get("cross-origin-embedder-policy"), "require-corp");
      assert.match(await page.text(), /tspi simulator/);
      const served = new Uint8Array(await (await fetch(new URL("kernel.wasm", url))).arrayBuffer());
      assert.deepEqual(served, new Uint8Array(readFileSync(join(project, "build/kernel.wasm"))), "the project's kernel.wasm");
      const map = await (await fetch(new URL("kernel.wasm.map", url))).json() as { sources: string[] };
      assert.ok(map.sources.includes("src/main.ts"), `the map names the project's source: ${map.sources.slice(0, 5)}`);
      assert.match(await (await fetch(new URL("src/main.ts", url))).text(), /hello from my-kernel/);
      assert.ok((await (await fetch(new URL("js/sim/web/page.js", url))).text()).length > 1000, "the page's code, from the installed package");
    } finally {
      try { process.kill(-sim.pid!, "SIGTERM"); } catch { /* gone */ }
      await new Promise((r) => sim.once("exit", r));
    }
    // The node API, as a project's own test imports it from the installed package.
    writeFileSync(join(project, "sim-check.mjs"),
      'import { simulate } from "tspi/build/tools/tools/sim/index.js";\n' +
      'const pi = await simulate("build/kernel.wasm", { board: "pi4" });\n' +
      'await pi.uart.expect("hello from my-kernel");\nconsole.log("simulated: " + (await pi.uart.expect(/5 squared is 25/)));\nawait pi.stop();\n');
    try {
      const r = run(process.execPath, ["sim-check.mjs"], project);
      ok(r, "a project's script using simulate()");
      assert.match(r.stdout, /^simulated: 5 squared is 25$/m);
    } finally { rmSync(join(project, "sim-check.mjs"), { force: true }); }
  });

  it("tspi test runs the specs in node and the checks in QEMU; a failing spec or check fails it, with its output", () => {
    const all = run(process.execPath, [installed(), "test"], project);
    ok(all, "tspi test");
    assert.match(all.stdout, /test\/producer\.spec\.ts Pass: 1 \/ 1/, "the template's spec ran and passed");
    assert.match(all.stdout, /ok {7}test\/sleep\.ts on pi3/);
    writeFileSync(join(project, "test/wrong.spec.ts"),
      'import { Channel } from "tspi";\ndescribe("wrong", () => {\n  it("expects too much", () => {\n    expect(new Channel<u32>(4).capacity).toBe(5);\n  });\n});\n');
    const spec = run(process.execPath, [installed(), "test", "wrong"], project);
    spawnSync("rm", [join(project, "test/wrong.spec.ts")]);
    assert.equal(spec.status, 1, spec.stdout + spec.stderr);
    assert.match(spec.stdout, /expects too much/);
    assert.match(spec.stdout, /\[Actual\] *: 4\s+\[Expected\]: 5/);
    assert.doesNotMatch(spec.stdout, /test\/sleep\.ts/, "tspi test NAME runs only that test");
    const none = run(process.execPath, [installed(), "test", "nosuch"], project);
    assert.equal(none.status, 2);
    assert.match(none.stderr, /tspi test nosuch: no test\/nosuch\.spec\.ts or test\/nosuch\.ts \(the tests: producer, sleep\)/);
    writeFileSync(join(project, "test/fails.ts"), 'import { println, exit } from "tspi";\nexport function main(): void { println("about to fail"); exit(3); }\n');
    const r = run(process.execPath, [installed(), "test", "--board", "pi4", "fails", "sleep"], project);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /FAIL {5}test\/fails\.ts on pi4: exit code 3/);
    assert.match(r.stdout, /\| about to fail/);
    assert.match(r.stdout, /ok {7}test\/sleep\.ts on pi4/);
  });

  it("tspi bench: a table of exact instruction counts, the same on a second run, and the change an edit makes", () => {
    const first = run(process.execPath, [installed(), "bench", "--board", "pi3", "--backend", "wasm3"], project);
    ok(first, "tspi bench");
    const row = (out: string, name: string) => out.match(new RegExp(`^  bench/compute\\.ts ${name} +(.*)$`, "m"))?.[1].trim();
    const fib = row(first.stdout, "fib-20");
    assert.match(fib ?? "", /^[\d,]+$/, `a count for fib-20:\n${first.stdout}`);
    assert.match(first.stdout, /^  build\/kernel\.wasm \(src\/main\.ts\): [\d,]+ bytes$/m);
    const bench = join(project, "bench/compute.ts");
    const text = readFileSync(bench, "utf8");
    try {
      writeFileSync(bench, text.replace("fib(20); }", "fib(21); }"));
      const second = run(process.execPath, [installed(), "bench", "--board", "pi3", "--backend", "wasm3"], project);
      ok(second, "tspi bench after an edit");
      assert.equal(row(second.stdout, "format-string"), row(first.stdout, "format-string"), "a row the edit did not touch: the same count, no change shown");
      assert.match(row(second.stdout, "fib-20") ?? "", /^[\d,]+ \(\+6\d\.\d%\)$/, "fib(21) runs about 1.6 times fib(20)'s calls");
    } finally {
      writeFileSync(bench, text);
    }
    writeFileSync(join(project, "bench/silent.ts"), 'import { println, exit } from "tspi";\nexport function main(): void { println("measuring nothing"); exit(0); }\n');
    const silent = run(process.execPath, [installed(), "bench", "silent", "--board", "pi3", "--backend", "wasm3"], project);
    spawnSync("rm", [join(project, "bench/silent.ts")]);
    assert.equal(silent.status, 1);
    assert.match(silent.stdout, /FAIL {5}bench\/silent\.ts on pi3 wasm3: it exited without bench: done \(end it with bench\.done\(\)\)/);
    assert.match(silent.stdout, /\| measuring nothing/);
    assert.match(silent.stdout, /build\/bench\.json is left as it was/);
  });

  it("tspi outside a project, flash without a device, push into an aot image: errors that say what to do", () => {
    const outside = run(process.execPath, [CLI, "build"], "/");
    assert.equal(outside.status, 2);
    assert.match(outside.stderr, /no package\.json here or above \/: run tspi in a kernel's project \(npx tspi init my-kernel makes one\)/);
    const flash = run(process.execPath, [installed(), "flash"], project);
    assert.equal(flash.status, 2);
    assert.match(flash.stderr, /tspi flash --device \/dev\/sdX: name the SD card's device/);
    const push = run(process.execPath, [installed(), "push", "--backend", "aot"], project);
    assert.equal(push.status, 2);
    assert.match(push.stderr, /an aot image takes no push/);
    const card = run(process.execPath, [installed(), "flash", "--device", "/dev/null"], project);
    assert.equal(card.status, 2);
    assert.match(card.stderr, /build\/sdcard\.img does not exist: .*builds nothing; run npx tspi sdcard first/);
  });
});
