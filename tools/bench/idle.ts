// The host CPU an idle kernel costs under QEMU (make bench): boots an image
// on four cores without -icount, waits for `cores online: 4`, and reads QEMU's
// CPU time (/proc/<pid>/stat: utime + stime) over a stretch of wall-clock
// time. Idle cores sleep in WFI (boot/board/wake.c), which stops their vCPUs;
// before that they spun in WFE, which QEMU's multi-threaded TCG runs as a
// no-op, and an idle kernel kept a host CPU at 99 % (issue 25).
import { spawn, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { QEMU, qemuArgs } from "../run/qemu.js";

export interface IdleFigure {
  /** Wall-clock milliseconds measured (after `cores online: 4`). */
  wallMs: number;
  /** QEMU's CPU milliseconds over them, every thread. */
  cpuMs: number;
}

function cpuMsOf(pid: number, tick: number): number {
  // Fields after the command (which is in parentheses and may hold spaces): utime is the 12th, stime the 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(f[11]) + Number(f[12])) * 1000) / tick;
}

export function idleFigure(board: string, image: string, wallMs = 5000, bootTimeoutMs = 60_000): Promise<IdleFigure> {
  const tick = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  return new Promise((resolve, reject) => {
    const child = spawn(QEMU, [...qemuArgs(board, image), "-display", "none", "-monitor", "none", "-serial", "stdio"], { stdio: ["pipe", "pipe", "pipe"] });
    let output = "", started = false;
    const fail = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`idle: ${image} on ${board} did not reach 'cores online: 4' within ${bootTimeoutMs} ms:\n${output}`)); }, bootTimeoutMs);
    child.on("error", reject);
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString("utf8");
      if (started || !/^cores online: 4/m.test(output)) return;
      started = true;
      clearTimeout(fail);
      const t0 = Date.now(), c0 = cpuMsOf(child.pid!, tick);
      setTimeout(() => {
        const fig = { wallMs: Date.now() - t0, cpuMs: cpuMsOf(child.pid!, tick) - c0 };
        child.kill("SIGKILL");
        resolve(fig);
      }, wallMs);
    });
  });
}
