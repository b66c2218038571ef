// make gdb: QEMU paused with a gdb server, gdb-multiarch attached with the
// kernel's symbols. Run in batch mode: stop in boot_secondary, list the four
// cores as threads.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Once, with the wasm3 images: the stub is the same under both backends.
describe("make gdb", { skip: process.env.KERNEL_BACKEND === "aot" && "run with the wasm3 images" }, () => {
  it("stops at a breakpoint on a secondary core and shows every core as a thread", () => {
    const script = join(mkdtempSync(join(tmpdir(), "gdb-")), "commands");
    writeFileSync(script, "break boot_secondary\ncontinue\ninfo threads\n");
    const r = spawnSync("tools/run/gdb.sh", ["pi3"], {
      encoding: "utf8", timeout: 60_000,
      env: { ...process.env, GDB_SCRIPT: script, GDB_PORT: String(20000 + (process.pid % 10000)) },
    });
    const out = r.stdout + r.stderr;
    assert.equal(r.error, undefined, out);
    assert.match(out, /hit Breakpoint 1, boot_secondary \(core=[123]\) at boot\/main\.c:\d+/);
    for (let t = 1; t <= 4; t++) assert.match(out, new RegExp(`Thread 1\\.${t} \\(CPU#${t - 1}`), `core ${t - 1} is not a thread:\n${out}`);
  });
  it("Ctrl-C while the guest runs stops the guest and leaves QEMU running (issue 29)", async () => {
    const script = join(mkdtempSync(join(tmpdir(), "gdb-")), "commands");
    writeFileSync(script, "continue\ninfo registers pc\nkill\n");
    // A terminal sends SIGINT to its whole foreground process group: gdb.sh's, here a group of its own.
    const c = spawn("tools/run/gdb.sh", ["pi3"], { detached: true, env: { ...process.env, GDB_SCRIPT: script, GDB_PORT: String(21000 + (process.pid % 10000)) } });
    let out = "";
    c.stdout.on("data", (d: Buffer) => { out += d; });
    c.stderr.on("data", (d: Buffer) => { out += d; });
    const running = setInterval(() => { if (/0x[0-9a-f]+ in \?\? \(\)/.test(out)) { clearInterval(running); setTimeout(() => process.kill(-c.pid!, "SIGINT"), 1500); } }, 100);
    const limit = setTimeout(() => process.kill(-c.pid!, "SIGKILL"), 45_000);
    const code = await new Promise<number | null>((done) => c.on("exit", (x) => done(x)));
    clearInterval(running); clearTimeout(limit);
    assert.doesNotMatch(out, /terminating on signal 2|Remote communication error/, out);
    assert.match(out, /^pc\s+0x[0-9a-f]+/m, `gdb did not get the stopped guest's registers:\n${out}`);
    assert.equal(code, 0, out);
  });
});
