// Boots a kernel image in QEMU. As a library (runQemu) it is the test
// runner: a bounded time-out, the serial output captured, and the guest's
// exit code (semihosting SYS_EXIT_EXTENDED) as the result. As a command it
// is QEMU's own terminal (-nographic: Ctrl-A X quits, Ctrl-A C its monitor);
// `make qemu` uses our console instead (tools/run/console.ts), which also
// shares the UART with `make push`.
//
//   node qemu.js --board pi3|pi4 [--gdb] build/kernel8.img
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { findBoard } from "../boards/index.js";
import { connect as connectQmp, Qmp } from "./qmp.js";

export const QEMU = process.env.QEMU ?? "qemu-system-aarch64";

export interface QemuRun {
  /** QEMU's exit status: the guest's exit code when it exited by semihosting. */
  code: number | null;
  /** Everything the guest wrote to the serial console (CRs removed). */
  output: string;
  timedOut: boolean;
  /** Milliseconds from start to exit. */
  ms: number;
  /** What each QemuOptions.qmp step returned, in order. */
  qmp?: unknown[];
}

export interface QemuOptions {
  board: string;
  image: string;
  timeoutMs: number;
  /** Stop (kill QEMU) as soon as the output's complete lines match. */
  until?: RegExp;
  /**
   * Run with -icount shift=0,sleep=off: one host thread runs the four cores
   * in turn and guest time counts instructions. Deterministic; a WFE then
   * hands the host thread to the next core (without it, under multi-threaded
   * TCG, WFE is a no-op and a core waiting for a lock spins on a host CPU).
   */
  icount?: boolean;
  /** A device tree to pass (-dtb): QEMU then gives its address in x0, as the firmware does. */
  dtb?: string;
  /** Another QEMU machine of the board's family (raspi3ap: a 512 MB Pi 3 A+), instead of the board's own. */
  machine?: string;
  /**
   * What to type on the serial console: each `data` is written to QEMU's
   * standard input (the guest's UART receive line) once the output matches
   * `after`, in order.
   */
  input?: { after: RegExp; data: string | Buffer }[];
  /** Devices to attach (each a -device argument: "tmp105,bus=i2c-bus.1,address=0x48,id=temp0"). */
  devices?: string[];
  /** More QEMU arguments, before the devices (a -blockdev that a device's drive= names). */
  args?: string[];
  /**
   * Acts on the machine through QMP (./qmp.ts) once the output matches
   * `after`, in order: `run` gets the connection (qom-set a sensor, qom-get a
   * device's state) and a way to type on the serial console (to tell the
   * kernel the step is done); what it returns is kept in QemuRun.qmp.
   */
  qmp?: { after: RegExp; run: (q: Qmp, type: (text: string) => void) => Promise<unknown> }[];
}

export function qemuArgs(board: string, image: string, machine?: string): string[] {
  const b = findBoard(board);
  return ["-M", machine ?? b.machine, "-kernel", image, "-semihosting"];
}

function missingQemu(): Error {
  return new Error(`${QEMU} not found: run 'make setup' (it installs qemu-system-arm >= 9 from bookworm-backports), or set QEMU=/path/to/qemu-system-aarch64`);
}

export function runQemu(opts: QemuOptions): Promise<QemuRun> {
  if (!existsSync(opts.image)) return Promise.reject(new Error(`${opts.image} does not exist: run make first`));
  const started = Date.now();
  const args = [...qemuArgs(opts.board, opts.image, opts.machine), "-display", "none", "-monitor", "none", "-serial", "stdio"];
  if (opts.icount) args.push("-icount", "shift=0,sleep=off");
  if (opts.dtb) args.push("-dtb", opts.dtb);
  args.push(...opts.args ?? []);
  for (const d of opts.devices ?? []) args.push("-device", d);
  const qmpPath = opts.qmp?.length ? join(mkdtempSync(join(tmpdir(), "tspi-qmp-")), "qmp.sock") : "";
  if (qmpPath) args.push("-qmp", `unix:${qmpPath},server=on,wait=off`);
  return new Promise((resolve, reject) => {
    const child = spawn(QEMU, args, { stdio: [opts.input || opts.qmp ? "pipe" : "ignore", "pipe", "pipe"] });
    let output = "", errors = "", timedOut = false, stopped = false;
    const inputs = [...(opts.input ?? [])];
    // QMP steps run one at a time, each once the output matches; a failing one ends the run (its error is the test's).
    const steps = [...(opts.qmp ?? [])], results: unknown[] = [];
    let qmp: Promise<Qmp> | null = null, stepping = false, qmpError: Error | null = null;
    const step = () => {
      if (stepping || !steps.length || !steps[0].after.test(output)) return;
      stepping = true;
      const s = steps.shift()!;
      qmp ??= connectQmp(qmpPath);
      qmp.then((q) => s.run(q, (text) => child.stdin?.write(text))).then((v) => { results.push(v); stepping = false; step(); },
        (e: Error) => { qmpError = e; child.kill("SIGKILL"); });
    };
    const timer = setTimeout(() => { timedOut = true; child.kill("SIGKILL"); }, opts.timeoutMs);
    child.stdout!.on("data", (d: Buffer) => {
      output += d.toString("utf8").replace(/\r/g, "");
      while (inputs.length && inputs[0].after.test(output)) child.stdin?.write(inputs.shift()!.data);
      step();
      // Whole lines only: `$` under /m also matches at the end of what has arrived, so a
      // line cut off there (half of it in the next chunk) stopped QEMU with the line incomplete.
      if (opts.until && !stopped && opts.until.test(output.slice(0, output.lastIndexOf("\n") + 1))) { stopped = true; child.kill("SIGKILL"); }
    });
    child.stdin?.on("error", () => {});   // QEMU gone before it read everything: the output says why
    child.stderr!.on("data", (d: Buffer) => { errors += d.toString("utf8"); });
    child.on("error", (e: NodeJS.ErrnoException) => { clearTimeout(timer); reject(e.code === "ENOENT" ? missingQemu() : e); });
    child.on("close", (code) => {
      clearTimeout(timer);
      qmp?.then((q) => q.close(), () => {});
      if (qmpPath) rmSync(dirname(qmpPath), { recursive: true, force: true });
      if (qmpError) { reject(qmpError); return; }
      if (errors.trim() && code !== null && code !== 0 && !output) {
        reject(new Error(`QEMU failed: ${errors.trim()}`));
        return;
      }
      resolve({ code: stopped ? null : code, output, timedOut, ms: Date.now() - started, ...(opts.qmp ? { qmp: results } : {}) });
    });
  });
}

function main(argv: string[]): number {
  let board = "pi3", image = "", gdb = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--board") board = argv[++i];
    else if (argv[i] === "--gdb") gdb = true;
    else image = argv[i];
  }
  let b;
  try { b = findBoard(board); } catch (e) { console.error(`error: ${(e as Error).message}`); return 2; }
  if (!image || !existsSync(image)) { console.error(`error: no image '${image}': run make first`); return 2; }
  const args = [...qemuArgs(board, image), "-nographic"];
  if (gdb) args.push("-s", "-S");
  console.error(`qemu: ${b.title} (-M ${b.machine}), 4 cores, serial console below. Ctrl-A X quits.${gdb ? " Paused: attach gdb to :1234." : ""}`);
  const r = spawnSync(QEMU, args, { stdio: "inherit" });
  if (r.error) { console.error(`error: ${((r.error as NodeJS.ErrnoException).code === "ENOENT" ? missingQemu() : r.error).message}`); return 127; }
  return r.status ?? 1;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) process.exit(main(process.argv.slice(2)));
