// Host tests of the build tools: board lists agree, bad input is refused
// with a clear message.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { BOARDS, findBoard } from "../../tools/boards/index.js";

describe("boards", () => {
  it("the Makefile and tools/boards/index.ts list the same boards", () => {
    const line = readFileSync("Makefile", "utf8").match(/^BOARDS\s*:=\s*(.*)$/m);
    assert.ok(line, "no BOARDS line in the Makefile");
    assert.deepEqual(line[1].trim().split(/\s+/), BOARDS.map((b) => b.name));
  });
  it("an unknown board is an error that lists the valid ones", () => {
    assert.throws(() => findBoard("pi5"), /unknown board 'pi5': valid boards are pi3 pi4/);
  });
  it("make refuses an unknown BOARD before building anything", () => {
    const r = spawnSync("make", ["-n", "qemu", "BOARD=pi9"], { encoding: "utf8" });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /unknown BOARD 'pi9': valid boards are pi3 pi4/);
  });
  it("make with no target builds kernel8.img, for each backend (a dry run)", () => {
    // `all` was once read before BACKEND's image folder was set: make looked for /kernel8.img.
    for (const [backend, img] of [["wasm3", "build/kernel8.img"], ["aot", "build/aot/kernel8.img"]]) {
      const r = spawnSync("make", ["-n", `BACKEND=${backend}`], { encoding: "utf8" });
      assert.equal(r.status, 0, `make -n BACKEND=${backend}:\n${r.stderr}`);
      assert.ok(r.stdout.includes(`to boot it\\n' ${img} `), `make -n BACKEND=${backend} ends with ${img}:\n${r.stdout.slice(-2000)}`);
    }
  });
  it("make refuses an APP that does not exist, and one that does not export main()", () => {
    const r = spawnSync("make", ["-n", "APP=nowhere/main.ts"], { encoding: "utf8" });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /APP=nowhere\/main\.ts: no such file \(give the path of your kernel's main\.ts/);
    const dir = mkdtempSync(join(tmpdir(), "app-"));
    writeFileSync(join(dir, "main.ts"), "export function start(): void {}\n");
    const e = spawnSync(process.execPath, ["build/tools/tools/kernel/app-entry.js", "--app", join(dir, "main.ts"), "--out", join(dir, "index.ts")], { encoding: "utf8" });
    assert.notEqual(e.status, 0);
    assert.match(e.stderr, /a kernel exports `export function main\(\): void`/);
  });
  it("the entry takes a kernel that re-exports main (and worker) from elsewhere, as assembly/main.ts does", () => {
    const dir = mkdtempSync(join(tmpdir(), "app-"));
    writeFileSync(join(dir, "main.ts"), 'export { main, worker } from "./impl";\n');
    const out = join(dir, "index.ts");
    const e = spawnSync(process.execPath, ["build/tools/tools/kernel/app-entry.js", "--app", join(dir, "main.ts"), "--out", out], { encoding: "utf8" });
    assert.equal(e.status, 0, e.stderr);
    assert.match(readFileSync(out, "utf8"), /^import \{ main, worker \} from "\.\/main";$/m);
    writeFileSync(join(dir, "main.ts"), 'export { main } from "./impl";\n');
    assert.equal(spawnSync(process.execPath, ["build/tools/tools/kernel/app-entry.js", "--app", join(dir, "main.ts"), "--out", out]).status, 0);
    assert.match(readFileSync(out, "utf8"), /^function worker\(core: u32\): void \{ runExecutor\(\); \}$/m, "no worker: the entry's own");
  });
  it("make refuses a KERNEL_MEMORY_MB that is not an even number of MiB", () => {
    for (const bad of ["63", "abc", "-2"]) {
      const r = spawnSync("make", ["-n", `KERNEL_MEMORY_MB=${bad}`], { encoding: "utf8" });
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, new RegExp(`KERNEL_MEMORY_MB=${bad}: give an even number of MiB`));
    }
  });
  it("in a fresh build folder the host ABI is made before any kernel (a dry run): make, then make, builds nothing the second time", () => {
    // The ABI recipe touched assembly/arch/host.ts after kernel.wasm was built
    // (it first ran for build/gen/abi.h, which the stub needs): the second
    // make after make clean compiled and linked again (issue 23).
    const fresh = mkdtempSync(join(tmpdir(), "fresh-build-"));
    const r = spawnSync("make", ["-n", `B=${fresh}`], { encoding: "utf8", env: { ...process.env, WASM3_SOURCE: "build/wasm3/source" } });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split("\n");
    const gen = lines.findIndex((l) => l.includes("abi/gen.js"));
    const asc = lines.findIndex((l) => l.includes("async/asc.js"));
    assert.ok(gen >= 0 && asc >= 0, r.stdout.slice(0, 3000));
    assert.ok(gen < asc, `the kernel is compiled before the ABI is generated:\n${lines.slice(0, asc + 1).join("\n")}`);
    assert.match(readFileSync("Makefile", "utf8"), /for f in \$\(ABI_COMMITTED\); do \[ \$\$f -nt tools\/abi\/spec\.ts \]/, "the committed ABI files are touched only when older than the spec");
  });
  it("in a fresh build folder, make hardware-sdcard compiles the device trees, and make bench links the aot image whose map it reads (dry runs)", () => {
    // Both failed on a fresh clone (issue 23): DTBS was defined after the rules that name it, and the
    // bench read build/aot/kernel8.map without depending on it.
    const env = { ...process.env, WASM3_SOURCE: "build/wasm3/source" };
    const card = spawnSync("make", ["-n", "hardware-sdcard", "PROGRAM=selftest", `B=${mkdtempSync(join(tmpdir(), "fresh-card-"))}`], { encoding: "utf8", env });
    assert.equal(card.status, 0, card.stderr);
    for (const tree of ["bcm2710-rpi-3-b", "bcm2711-rpi-4-b"]) assert.match(card.stdout, new RegExp(`dtc -q -I dts -O dtb -o \\S+/dts/${tree}\\.dtb`), `no dtc for ${tree}`);
    const fresh = mkdtempSync(join(tmpdir(), "fresh-bench-"));
    const bench = spawnSync("make", ["-n", "bench", `B=${fresh}`], { encoding: "utf8", env });
    assert.equal(bench.status, 0, bench.stderr);
    const lines = bench.stdout.split("\n");
    const map = lines.findIndex((l) => l.includes(`-Wl,-Map=${fresh}/aot/kernel8.map`));
    const run = lines.findIndex((l) => l.includes("bench/bench.js"));
    assert.ok(map >= 0 && run > map, `the aot kernel8.img is not linked before the bench runs:\n${bench.stdout.slice(-3000)}`);
  });
  it("the QEMU runner refuses an unknown board", () => {
    const r = spawnSync(process.execPath, ["build/tools/tools/run/qemu.js", "--board", "pi9", "build/kernel8.img"], { encoding: "utf8" });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown board 'pi9'/);
  });
});

describe("npm scripts", () => {
  // `npm test` once ran the as-pect specs alone, and `npm run typecheck` the
  // tools alone: a partial run that looked like the whole. Each is now the
  // make target of the same name, which builds what it needs first.
  it("each one is a make target, never a tool run on its own", () => {
    const scripts: Record<string, string> = JSON.parse(readFileSync("package.json", "utf8")).scripts ?? {};
    for (const [name, command] of Object.entries(scripts)) assert.match(command, /^make( [a-z-]+)?$/, `npm run ${name}: ${command}`);
    assert.equal(scripts.test, "make test");
  });
});

describe("wasm3 fetch", () => {
  it("refuses a WASM3_SOURCE that is not a wasm3 source folder", () => {
    const r = spawnSync("tools/setup/fetch-wasm3.sh", [], { encoding: "utf8", env: { ...process.env, WASM3_SOURCE: "/nonexistent" } });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /WASM3_SOURCE=\/nonexistent has no wasm3\.h/);
  });
});

describe("kernel.wasm checks before embedding", () => {
  const dir = mkdtempSync(join(tmpdir(), "check-wasm-"));
  const run = (file: string) => spawnSync(process.execPath, ["build/tools/tools/kernel/check-wasm.js", file], { encoding: "utf8" });

  it("accepts the built kernel", () => {
    const r = run("build/kernel.wasm");
    assert.equal(r.status, 0, r.stderr);
  });
  it("stops on a module that fails validation, with wasm-validate's message", () => {
    const bin = readFileSync("build/kernel.wasm");
    const broken = join(dir, "broken.wasm");
    writeFileSync(broken, bin.subarray(0, bin.length - 40));
    const r = run(broken);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /broken\.wasm: fails validation: .+/);
  });
  it("stops on a file that is not wasm at all", () => {
    const junk = join(dir, "junk.wasm");
    writeFileSync(junk, "this is not wasm\n");
    const r = run(junk);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /junk\.wasm: fails validation/);
  });
  it("says what to install when wasm-validate is missing", () => {
    const r = spawnSync(process.execPath, ["build/tools/tools/kernel/check-wasm.js", "build/kernel.wasm"],
      { encoding: "utf8", env: { ...process.env, WASM_VALIDATE: "wasm-validate-not-installed" } });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /wasm-validate-not-installed not found: run 'make setup' \(Debian package wabt\)/);
  });
});

describe("the aot backend refuses a bad module at build time, before wasm2c", () => {
  // wasm3 finds these two at boot (tests/qemu/boot.test.ts); wasm2c would fail on
  // the first with its own words and link the second against nothing.
  const make = (img: string) => spawnSync("make", ["--no-print-directory", img], { encoding: "utf8" });
  it("a truncated module: the validator's reason, and no image", () => {
    const r = make("build/aot/tests/truncated.img");
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /error: build\/tests\/truncated\.wasm: fails validation: .+/);
    assert.equal(existsSync("build/aot/tests/truncated.img"), false);
    assert.equal(existsSync("build/aot/c/tests/truncated/kernel.c"), false, "wasm2c ran on it");
  });
  it("an import the host lacks: named, with where to look", () => {
    const r = make("build/aot/tests/bad-import.img");
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /error: build\/tests\/bad-import\.wasm: .*cpu\.teleport/);
    assert.match(r.stderr, /docs\/host-abi\.md/);
    assert.equal(existsSync("build/aot/tests/bad-import.img"), false);
  });
});

describe("the boot stub's EL2 set-up (build/kernel8.elf, disassembled)", () => {
  /** The instructions from `from_el2` to its eret. */
  function el2Path(): string[] {
    const r = spawnSync("aarch64-linux-gnu-objdump", ["-d", "--no-show-raw-insn", "build/kernel8.elf"], { encoding: "utf8", maxBuffer: 64 << 20 });
    assert.equal(r.status, 0, r.stderr);
    const all = r.stdout.split("\n");
    const start = all.findIndex((l) => /<from_el2>:$/.test(l));
    assert.ok(start >= 0, "no from_el2 in kernel8.elf");
    const end = all.findIndex((l, i) => i > start && /\teret\b/.test(l));
    return all.slice(start, end + 1);
  }
  it("writes MDCR_EL2 before EL1 runs (its reset value is UNKNOWN on hardware; EL1 uses the PMU)", () => {
    const path = el2Path();
    assert.ok(path.some((l) => /\tmsr\tmdcr_el2, x\d+/.test(l)), `no msr mdcr_el2 on the way from EL2 to EL1:\n${path.join("\n")}`);
  });
});

describe("tests do not depend on the user's kernel", () => {
  it("no test kernel, hardware program or benchmark imports assembly/main.ts (replacing it must not break make test)", () => {
    const r = spawnSync("grep", ["-rlE", String.raw`from ["'](\.\./)+assembly/main["']`, "tests", "bench"], { encoding: "utf8" });
    assert.equal(r.stdout.trim(), "", `these import the user's kernel:\n${r.stdout}`);
  });
});

describe("make push into an aot image (issue 29)", () => {
  it("is refused before anything is built or sent, with the reason and what to do instead", () => {
    const r = spawnSync("make", ["--no-print-directory", "push", "BACKEND=aot"], { encoding: "utf8" });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /make push BACKEND=aot: an aot image takes no push .*make BACKEND=aot qemu.*make push\)/);
    assert.doesNotMatch(r.stdout, /ASC|LD|push:/, "nothing was built or sent");
  });
});
