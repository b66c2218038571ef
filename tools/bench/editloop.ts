// The edit loop as a developer runs it (make bench, issue 23): the tour
// running in QEMU under our console (make qemu, which starts the resident
// compiler), a line added to the program's source, then `make push`; the
// figure is the wall-clock time from the command to that line on the
// console. All of it counts: make, the development build through the
// resident compiler (tools/async/server.ts), push.js and its push over the
// console's socket into QEMU's UART, the stub's load of the module on four
// cores, and the boot to main(); after a few builds, as in a developer's
// session (the compiler's JIT warms up over its first). A copy of the tour in build/editloop/ is
// edited (the repository's sources are not touched), and the build goes
// to build/editloop/b (make B=...), so no kernel of the user's is replaced.
import { spawn, spawnSync, ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export interface EditLoopFigure {
  /** Each round's milliseconds from `make push` to the new line on the console. */
  rounds: number[];
  /** Their median. */
  ms: number;
  /** The pushed module's size in bytes. */
  bytes: number;
}

export async function editLoopFigure(board: string, image: string, rounds = 3): Promise<EditLoopFigure> {
  const dir = resolve("build/editloop"), b = join(dir, "b"), main = join(dir, "main.ts");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(b, { recursive: true });
  copyFileSync("examples/tour/main.ts", main);
  const source = readFileSync(main, "utf8");
  if (!source.includes("  banner();\n")) throw new Error("edit loop: examples/tour/main.ts no longer calls banner() in main(): say where the edit goes");
  const env = { ...process.env, MAKEFLAGS: "", MFLAGS: "", MAKELEVEL: "" };
  const make = (...args: string[]) => spawnSync("make", ["-s", `B=${b}`, `APP=${main}`, ...args], { encoding: "utf8", env });

  // make qemu's two steps, on this image: the resident compiler, then the console on the UART's socket.
  make("tools");                          // (its stamp is per build folder: before the compiler starts, so it stays current)
  spawnSync(process.execPath, ["build/tools/tools/async/server.js", "start", "--idle-exit", "120000"], { env });
  const con: ChildProcess = spawn(process.execPath, ["build/tools/tools/run/console.js", "--qemu", image, "--board", board, "--share", join(b, "uart.sock")],
    { stdio: ["pipe", "pipe", "pipe"], env, detached: true });
  let shown = "";
  con.stdout!.on("data", (d: Buffer) => { shown += d.toString("latin1"); });
  con.stderr!.on("data", (d: Buffer) => { shown += d.toString("latin1"); });
  const until = async (re: RegExp, from: number, ms = 60_000) => {
    for (const end = Date.now() + ms; !re.test(shown.slice(from));) {
      if (Date.now() > end) throw new Error(`edit loop: no ${re} within ${ms} ms; the console showed:\n${shown.slice(from)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const edit = (n: number) => writeFileSync(main, source.replace("  banner();\n", `  banner();\n  println("edit loop: round ${n}");\n`));
  try {
    await until(/^cores online: 4\r?$/m, 0);
    // A first round, not counted: the build folder's generated headers, and the compiler's first (cold) build.
    edit(0);
    let r = make("push");
    if (r.status !== 0) throw new Error(`edit loop: make push failed:\n${r.stdout}${r.stderr}`);
    await until(/^edit loop: round 0\r?$/m, 0);
    // A developer's compiler has built many times: its JIT warms up over the first few builds (3.9 s, 2.2, 2.0, then 1.3).
    for (let n = 0; n < 4; n++) { edit(100 + n); make(`${b}/dev/kernel.wasm`); }
    const times: number[] = [];
    for (let n = 1; n <= rounds; n++) {
      await new Promise((res) => setTimeout(res, 500));     // the kernel is up and quiet
      edit(n);
      const from = shown.length, t0 = Date.now();
      r = make("push");
      if (r.status !== 0) throw new Error(`edit loop: make push failed:\n${r.stdout}${r.stderr}`);
      await until(new RegExp(`^edit loop: round ${n}\\r?$`, "m"), from);
      times.push(Date.now() - t0);
    }
    const sorted = [...times].sort((x, y) => x - y);
    return { rounds: times, ms: sorted[Math.floor(sorted.length / 2)], bytes: readFileSync(join(b, "dev", "kernel.wasm")).length };
  } finally {
    try { process.kill(-con.pid!, "SIGTERM"); } catch { /* gone */ }
    await new Promise((res) => { if (con.exitCode !== null) res(null); else con.once("exit", res); });
  }
}
