// make sim / tspi sim: serves the simulator's page on localhost with the
// headers shared memory needs (cross-origin isolation: COOP same-origin,
// COEP require-corp), the kernel.wasm to run, its source map and the
// sources it names (so the browser's developer tools show the TypeScript),
// and an event when the kernel.wasm changes, which the page takes as a push.
//
//   node build/tools/tools/sim/serve.js --kernel build/kernel.wasm [--board pi4] [--port 8026] [--project .]
import { createServer, type ServerResponse } from "node:http";
import { existsSync, readFileSync, statSync, watchFile, unwatchFile } from "node:fs";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { shiftSourceMap, type SourceMapV3 } from "../kernel/source-map.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".wasm": "application/wasm",
  ".map": "application/json", ".ts": "text/plain; charset=utf-8", ".css": "text/css",
};

export interface ServeOptions {
  kernel: string;
  board: "pi3" | "pi4";
  port: number;
  /** Where the sources the source map names are (the kernel's project). */
  project: string;
  host?: string;
}

/** The package's own folders: the compiled tools (this file's tree) and the page. */
const here = dirname(fileURLToPath(import.meta.url));         // build/tools/tools/sim
const toolsRoot = resolve(here, "..");                          // build/tools/tools
const packageRoot = resolve(here, "../../../..");
const pageDir = join(packageRoot, "tools/sim/web");
const stdDir = join(packageRoot, "node_modules/assemblyscript/std/assembly");

/** A file under `root` named by `rel`, or null when it would leave it. */
function inside(root: string, rel: string): string | null {
  const p = resolve(root, "." + sep + decodeURIComponent(rel));
  return p === root || p.startsWith(root + sep) ? p : null;
}

export function serve(o: ServeOptions): Promise<{ url: string; close(): Promise<void> }> {
  const clients = new Set<ServerResponse>();
  const project = resolve(o.project);
  const send = (res: ServerResponse, file: string | null) => {
    if (!file || !existsSync(file) || !statSync(file).isFile()) { res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n"); return; }
    res.writeHead(200, {
      "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
      "Cache-Control": "no-store",
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
      "Cross-Origin-Resource-Policy": "same-origin",
    }).end(readFileSync(file));
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path === "/" || path === "/index.html") return send(res, join(pageDir, "index.html"));
    if (path === "/kernel.wasm") return send(res, o.kernel);
    if (path === "/kernel.wasm.map") {
      // The page's module moved the code section (tools/sim/module.ts): the map's offsets move with it.
      const shift = Number(new URL(req.url ?? "/", "http://localhost").searchParams.get("shift") ?? 0);
      const file = o.kernel + ".map";
      if (!existsSync(file) || !Number.isInteger(shift)) return send(res, null);
      const map = shiftSourceMap(JSON.parse(readFileSync(file, "utf8")) as SourceMapV3, shift);
      res.writeHead(200, { "Content-Type": TYPES[".map"], "Cache-Control": "no-store", "Cross-Origin-Resource-Policy": "same-origin" }).end(JSON.stringify(map));
      return;
    }
    if (path === "/events") {
      res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-store", "Cross-Origin-Resource-Policy": "same-origin" });
      res.write(": the page hears of a new kernel.wasm here\n\n");
      clients.add(res);
      req.on("close", () => clients.delete(res));
      return;
    }
    if (path.startsWith("/js/")) return send(res, extname(path) === ".js" ? inside(toolsRoot, path.slice(4)) : null);
    // The sources a source map names: AssemblyScript's library (~lib/), else the project's own .ts files.
    if (path.startsWith("/~lib/")) return send(res, inside(stdDir, path.slice(6)));
    if (extname(path) === ".ts") return send(res, inside(project, path.slice(1)));
    send(res, null);
  });
  // A new kernel.wasm (make, in another terminal) is a push to every page
  // open: once the file has stayed the same for a moment (a write seen
  // half-way would push twice), and only if its bytes changed.
  const digest = () => { try { return createHash("sha256").update(readFileSync(o.kernel)).digest("hex"); } catch { return ""; } };
  let last = digest();
  let settle: ReturnType<typeof setTimeout> | undefined;
  const changed = () => {
    clearTimeout(settle);
    settle = setTimeout(() => {
      const now = digest();
      if (!now || now === last) return;
      last = now;
      for (const c of clients) c.write("event: kernel\ndata: changed\n\n");
    }, 250);
  };
  watchFile(o.kernel, { interval: 300 }, changed);
  return new Promise((ok, fail) => {
    server.once("error", (e: NodeJS.ErrnoException) => fail(new Error(e.code === "EADDRINUSE"
      ? `port ${o.port} is in use (another make sim?): give another with PORT=... (tspi sim --port ...)`
      : e.message)));
    server.listen(o.port, o.host ?? "127.0.0.1", () => {
      const a = server.address();
      const port = typeof a === "object" && a ? a.port : o.port;
      ok({
        url: `http://localhost:${port}/${o.board === "pi4" ? "?board=pi4" : ""}`,
        close: () => new Promise<void>((done) => { clearTimeout(settle); unwatchFile(o.kernel, changed); for (const c of clients) c.end(); server.close(() => done()); }),
      });
    });
  });
}

function usage(why: string): never {
  process.stderr.write(`sim: error: ${why}\nusage: serve.js --kernel build/kernel.wasm [--board pi3|pi4] [--port 8026] [--project .]\n`);
  process.exit(2);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const get = (flag: string) => { const i = args.indexOf(flag); return i >= 0 ? args[i + 1] : undefined; };
  const kernel = get("--kernel") ?? usage("--kernel is missing");
  if (!existsSync(kernel)) usage(`${kernel} does not exist: build it first (make)`);
  const board = get("--board") ?? "pi3";
  if (board !== "pi3" && board !== "pi4") usage(`unknown board '${board}': valid boards are pi3 pi4`);
  const port = Number(get("--port") ?? 8026);
  if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`--port ${get("--port")}: give a port number`);
  serve({ kernel: resolve(kernel), board, port, project: get("--project") ?? "." }).then((s) => {
    process.stdout.write(`sim: ${s.url}  (open it in a browser; ${kernel} is pushed there each time it is built again; Ctrl-C stops)\n`);
  }, (e: Error) => usage(e.message));
}
