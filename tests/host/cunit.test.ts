// The stub's C, unit-tested on this machine: each tests/cunit/<name>_test.c
// is compiled natively (gcc, -DTSPI_HOST_TEST: boot/cpu/regs.h and boot/cpu/arch.h
// then go to the fake machine of tests/cunit/fake.c) with the boot/ files
// its first line names ("links: boot/board/uart.c ..."), and run. Device models
// in the tests behave as the datasheets say the silicon does where QEMU
// does not (a PL011 that stays BUSY, a GIC that ignores non-secure writes).
// (build/gen/boards.h, the boards' addresses, comes from make boards.)
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const DIR = "tests/cunit";
const OUT = "build/cunit";
const CC = process.env.HOST_CC ?? "gcc";

describe("the stub's C against fake hardware (tests/cunit)", () => {
  mkdirSync(OUT, { recursive: true });
  for (const file of readdirSync(DIR).filter((f) => f.endsWith("_test.c")).sort()) {
    it(file, () => {
      const first = readFileSync(join(DIR, file), "utf8").split("\n")[0];
      const m = first.match(/links:\s*(.*?)\s*(\*\/)?$/);
      assert.ok(m, `${file}: the first line must say which boot/ files it links ("/* links: boot/x.c */")`);
      const exe = join(OUT, file.replace(/\.c$/, ""));
      const cc = spawnSync(CC, ["-std=gnu11", "-O1", "-g", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Werror", "-DTSPI_HOST_TEST",
        "-Iboot", "-Iboot/cpu", "-Iboot/board", "-Iboot/push", "-Ibuild/gen", `-I${DIR}`, "-o", exe, join(DIR, file), join(DIR, "fake.c"), ...m[1].split(/\s+/)], { encoding: "utf8" });
      if (cc.error) assert.fail(`${CC} could not run (${cc.error.message}): make setup installs gcc`);
      assert.equal(cc.status, 0, `${CC} failed on ${file}:\n${cc.stderr}`);
      const run = spawnSync(exe, [], { encoding: "utf8", timeout: 30_000 });
      assert.equal(run.status, 0, `${file}:\n${run.stdout}${run.stderr}`);
      assert.match(run.stdout, /^\d+ passed, 0 failed$/m);
    });
  }
});
