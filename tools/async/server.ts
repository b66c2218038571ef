// A resident kernel compiler. Every kernel build is an asc run behind the
// async transform (tools/async/compile.ts); as a process of its own each
// one spends more than half its time loading asc, Binaryen and TypeScript
// and warming them up. This server keeps them loaded in worker threads,
// one compile per worker at a time, and takes builds over a Unix socket in
// the project's build/ (build/.compiler.sock); tools/async/asc.ts sends it
// each build when it answers, and compiles by itself when it does not.
//
//   node server.js start [--workers N] [--idle-exit MS] [--while-pid PID]
//                                start one in the background (returns once it listens); it stops
//                                when PID has ended (make qemu's shell), or after MS without a build
//   node server.js status                                    whether one serves this project, and how many builds it did
//   node server.js stop                                      stop this project's
//
// make test starts one for its builds; make qemu and make console (tspi qemu,
// tspi console) start one for the edit loop, so that make push compiles warm,
// and it ends with them (--while-pid: their shell).
// It serves only the project it was started in, and stops, refusing the
// build (which is then compiled by the client itself), as soon as the tools
// it runs have changed on disk (make tools, an npm update): a build never
// runs stale code. It exits by itself after --idle-exit ms without a build.
// It compiles with the environment it was started with (make's, the same
// recipes): a client's own variables do not reach it.
import { createServer, createConnection, Server, Socket } from "node:net";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync, unlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CompileOutput } from "./output.js";

/** The socket of the project in `cwd` (TSPI_COMPILER_SOCKET names another: the tests' own). */
export function socketPath(cwd = process.cwd()): string { return process.env.TSPI_COMPILER_SOCKET ?? join(cwd, "build", ".compiler.sock"); }

interface Request { cwd: string; argv: string[]; stop?: boolean; ping?: boolean }
interface Reply { code?: number; stdout?: string; stderr?: string; refused?: string }

const HERE = dirname(fileURLToPath(import.meta.url));
/** The compiled tools (build/tools/tools, or the package's): what a build runs. */
const TOOLS = join(HERE, "..");

/** The newest modification time of the tools and of the compilers they load: a change means the server's code is stale. */
function toolsStamp(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".js")) newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(TOOLS);
  // The packages as node resolves them from here: the nearest node_modules that has each.
  for (const pkg of ["assemblyscript", "typescript", "binaryen"]) {
    for (let dir = HERE; ; dir = dirname(dir)) {
      const p = join(dir, "node_modules", pkg, "package.json");
      if (existsSync(p)) { newest = Math.max(newest, statSync(p).mtimeMs); break; }
      if (dirname(dir) === dir) break;
    }
  }
  return newest;
}

// ---- the client (tools/async/asc.ts) -------------------------------------------------

/** Sends `req` to the compiler at `path`; its reply, or null when none answers. */
function ask(path: string, req: Request): Promise<Reply | null> {
  return new Promise((resolve) => {
    if (!existsSync(path)) { resolve(null); return; }
    let text = "";
    const s = createConnection(path);
    s.setEncoding("utf8");
    s.on("connect", () => s.write(JSON.stringify(req) + "\n"));
    s.on("data", (d: string) => { text += d; });
    s.on("close", () => { try { resolve(JSON.parse(text)); } catch { resolve(null); } });
    s.on("error", () => resolve(null));
  });
}

/**
 * Sends one build to this project's resident compiler and copies what it
 * said to `out`. Returns its exit code, or null when no compiler answers
 * (none runs, it serves another project, or its tools are stale): the
 * caller then compiles by itself.
 */
export async function requestCompile(argv: string[], out: CompileOutput): Promise<number | null> {
  if (process.env.TSPI_NO_COMPILER_SERVER) return null;
  // No answer (none runs, a stale socket file, it went away mid-build) or a refusal: compile here.
  const r = await ask(socketPath(), { cwd: process.cwd(), argv });
  if (!r || r.refused !== undefined || r.code === undefined) return null;
  if (r.stdout) out.stdout(r.stdout);
  if (r.stderr) out.stderr(r.stderr);
  return r.code;
}

// ---- the server ------------------------------------------------------------------------

interface Job { id: number; argv: string[]; reply: (r: Reply) => void }

function serve(workers: number, idleExitMs: number, whilePid: number): void {
  const path = socketPath();
  const stamp = toolsStamp();
  const pool: { worker: Worker; job: Job | null }[] = [];
  const queue: Job[] = [];
  let nextId = 1, served = 0, idleTimer: NodeJS.Timeout | null = null, server: Server;

  const shutdown = () => {
    try { if (existsSync(path)) unlinkSync(path); } catch { /* gone already */ }
    server?.close();
    for (const p of pool) p.worker.terminate();
    process.exit(0);
  };
  const busy = () => pool.some((p) => p.job) || queue.length > 0;
  const armIdle = () => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = busy() ? null : setTimeout(shutdown, idleExitMs);
  };
  // Gone with its build folder (make clean): nobody can reach it any more.
  setInterval(() => { if (!existsSync(path)) shutdown(); }, 5000).unref();
  // Started for a process (make qemu's shell, make test's): gone with it, however it ended.
  if (whilePid > 0) setInterval(() => { try { process.kill(whilePid, 0); } catch { shutdown(); } }, 1000).unref();
  const dispatch = () => {
    for (const p of pool) {
      if (p.job || !queue.length) continue;
      p.job = queue.shift()!;
      p.worker.postMessage({ id: p.job.id, argv: p.job.argv });
    }
    armIdle();
  };
  for (let i = 0; i < workers; i++) {
    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { role: "compiler" } });
    const slot = { worker, job: null as Job | null };
    worker.on("message", (m: Reply & { id: number }) => {
      const job = slot.job;
      slot.job = null;
      served++;
      job?.reply({ code: m.code, stdout: m.stdout, stderr: m.stderr });
      dispatch();
    });
    worker.on("error", (e) => {              // a compiler thread died: its build is the client's again, and this server stops
      slot.job?.reply({ refused: `the compiler thread failed: ${e.message}` });
      slot.job = null;
      shutdown();
    });
    pool.push(slot);
  }

  server = createServer((sock: Socket) => {
    let text = "", taken = false;
    sock.setEncoding("utf8");
    sock.on("error", () => {});
    sock.on("data", (d: string) => {
      if (taken) return;                     // one request a connection: what follows its line is not read
      text += d;
      const nl = text.indexOf("\n");
      if (nl < 0) return;
      taken = true;
      const reply = (r: Reply) => { if (!sock.destroyed) sock.end(JSON.stringify(r)); };
      let req: Request;
      try { req = JSON.parse(text.slice(0, nl)); } catch { reply({ refused: "not a build request" }); return; }
      if (req.stop) { reply({ refused: "stopping" }); setImmediate(shutdown); return; }
      if (req.cwd !== process.cwd()) { reply({ refused: `this compiler serves ${process.cwd()}` }); return; }
      if (toolsStamp() !== stamp) { reply({ refused: "the tools changed since this compiler started" }); setImmediate(shutdown); return; }
      if (req.ping) { reply({ code: 0, stdout: `${served} builds served\n` }); return; }
      queue.push({ id: nextId++, argv: req.argv, reply });
      dispatch();
    });
  });
  server.on("error", (e) => { process.stderr.write(`compiler: ${e.message}\n`); process.exit(1); });
  try { if (existsSync(path)) unlinkSync(path); } catch { /* another's: listen says */ }
  server.listen(path, () => { process.send?.("listening"); armIdle(); });
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

/** A compiler thread: builds one kernel per message, its output captured. */
async function compilerThread(): Promise<void> {
  const { compileKernel } = await import("./compile.js");
  parentPort!.on("message", async (m: { id: number; argv: string[] }) => {
    let stdout = "", stderr = "";
    let code: number;
    try {
      code = await compileKernel(m.argv, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
    } catch (e) {
      stderr += `error: the async transform failed: ${e instanceof Error ? e.stack : e}\n`;
      code = 1;
    }
    parentPort!.postMessage({ id: m.id, code, stdout, stderr });
  });
}

// ---- the command -----------------------------------------------------------------------


async function command(args: string[]): Promise<number> {
  const opt = (name: string, dflt: number) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : dflt; };
  const path = socketPath();
  if (args[0] === "start") {
    // One that runs already, with the tools as they are now, serves; one with stale tools stops when asked.
    const running = await ask(path, { cwd: process.cwd(), argv: [], ping: true });
    if (running?.code === 0) return 0;
    if (running) {
      await ask(path, { cwd: "", argv: [], stop: true });
      for (let i = 0; i < 40 && existsSync(path); i++) await new Promise((r) => setTimeout(r, 50));   // its socket gone before ours is made
    }
    mkdirSync(dirname(path), { recursive: true });
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), "serve", "--workers", String(opt("--workers", 1)), "--idle-exit", String(opt("--idle-exit", 600_000)), "--while-pid", String(opt("--while-pid", 0))],
      { detached: true, stdio: ["ignore", "ignore", "ignore", "ipc"] });
    const ok = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 10_000);
      child.on("message", (m) => { if (m === "listening") { clearTimeout(t); resolve(true); } });
      child.on("exit", () => { clearTimeout(t); resolve(false); });
    });
    child.disconnect?.();
    child.unref();
    // Not started is no failure: every build then compiles by itself, as without a server.
    if (!ok) process.stderr.write(`note: the resident compiler did not start (${path}); builds compile one process each\n`);
    return 0;
  }
  if (args[0] === "status") {
    const r = await ask(path, { cwd: process.cwd(), argv: [], ping: true });
    process.stdout.write(r?.code === 0 ? `running (${path}): ${r.stdout}` : `not running (${path})\n`);
    return r?.code === 0 ? 0 : 1;
  }
  if (args[0] === "stop") {
    await ask(path, { cwd: "", argv: [], stop: true });
    return 0;
  }
  if (args[0] === "serve") { serve(opt("--workers", 1), opt("--idle-exit", 600_000), opt("--while-pid", 0)); return -1; }
  process.stderr.write("usage: server.js start [--workers N] [--idle-exit MS] [--while-pid PID] | status | stop\n");
  return 2;
}

if (!isMainThread && (workerData as { role?: string })?.role === "compiler") {
  compilerThread();
} else if (isMainThread && process.argv[1] === fileURLToPath(import.meta.url)) {
  command(process.argv.slice(2)).then((code) => { if (code >= 0) process.exit(code); }, (e) => { process.stderr.write(`compiler: ${(e as Error).message}\n`); process.exit(1); });
}
