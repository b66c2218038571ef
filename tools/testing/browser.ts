// Debian's chromium, headless, driven through the DevTools protocol
// (chrome-remote-interface): for the tests of the simulator's page
// (tests/host/sim-page.test.ts). Real input events, so the page's own
// handlers run as for a user.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import CDP from "chrome-remote-interface";

export const CHROMIUM = process.env.CHROMIUM ?? "chromium";

export class BrowserPage {
  /** The scripts the page parsed (with `debug`): a wasm module's sourceMapURL is what developer tools would load. */
  readonly scripts: { url: string; sourceMapURL: string }[] = [];

  /** Rejects when the browser exits: every DevTools call races it. */
  private readonly exited: Promise<never>;

  private constructor(private readonly proc: ChildProcess, private readonly client: Awaited<ReturnType<typeof CDP>>, private readonly profile: string, readonly errors: string[]) {
    this.exited = new Promise<never>((_, fail) => proc.once("exit", (code, signal) => fail(new Error(`${CHROMIUM} exited (${code ?? signal})`))));
    this.exited.catch(() => {});                 // (a close() ends it too: not an error then)
  }

  /** Starts a headless chromium (no sandbox: CI runs as root) with one page of `width` x `height`; `debug`: with the debugger on, as developer tools have it. */
  static async launch(width = 1200, height = 900, debug = false): Promise<BrowserPage> {
    const profile = mkdtempSync(join(tmpdir(), "tspi-chromium-"));
    const proc = spawn(CHROMIUM, ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--remote-debugging-port=0",
      `--user-data-dir=${profile}`, `--window-size=${width},${height}`, "about:blank"], { stdio: ["ignore", "ignore", "pipe"], detached: true });
    // (detached: chromium and the helper processes it starts are a process group of their own, which close() ends as one)
    const port = await new Promise<number>((ok, fail) => {
      let text = "";
      const timer = setTimeout(() => fail(new Error(`${CHROMIUM} did not start within 20 s:\n${text}`)), 20_000);
      proc.on("error", (e) => { clearTimeout(timer); fail(new Error(`cannot start ${CHROMIUM} (${e.message}): make installs it (tools/setup/setup.sh: Debian's chromium)`)); });
      proc.stderr!.on("data", (d: Buffer) => {
        text += d;
        const m = /DevTools listening on ws:\/\/[^:]+:(\d+)\//.exec(text);
        if (m) { clearTimeout(timer); ok(Number(m[1])); }
      });
    });
    const client = await CDP({ port });
    const errors: string[] = [];
    client.on("Runtime.exceptionThrown", (e) => errors.push(e.exceptionDetails?.exception?.description ?? e.exceptionDetails?.text));
    await client.send("Page.enable");
    await client.send("Runtime.enable");
    await client.send("Emulation.setDeviceMetricsOverride", { width, height, deviceScaleFactor: 1, mobile: false });
    const page = new BrowserPage(proc, client, profile, errors);
    if (debug) {
      client.on("Debugger.scriptParsed", (p) => page.scripts.push({ url: p.url, sourceMapURL: p.sourceMapURL ?? "" }));
      await client.send("Debugger.enable");
    }
    return page;
  }

  async open(url: string): Promise<void> {
    await this.send("Page.navigate", { url });
  }

  /** A DevTools call that fails, instead of waiting for ever, when the browser has gone or does not answer in 30 s. */
  private send(method: string, params?: object, session?: string): Promise<any> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return Promise.reject(new Error(`${CHROMIUM} has exited (${this.proc.exitCode ?? this.proc.signalCode})`));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, fail) => { timer = setTimeout(() => fail(new Error(`${CHROMIUM} did not answer ${method} within 30 s`)), 30_000); });
    return Promise.race([session ? this.client.send(method, params, session) : this.client.send(method, params), late, this.exited]).finally(() => clearTimeout(timer));
  }

  /** The value of a JavaScript expression in the page (awaited). */
  async eval<T>(expression: string): Promise<T> {
    const r = await this.send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails) throw new Error(`in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as T;
  }

  /** Waits until `expression` is truthy in the page; its value. */
  async until<T>(expression: string, what: string, timeoutMs = 20_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = await this.eval<T>(expression).catch(() => undefined);
      if (v) return v;
      if (Date.now() > end) throw new Error(`the page did not show ${what} within ${timeoutMs} ms${this.errors.length ? `; its errors: ${this.errors.join("; ")}` : ""}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * The debugger in every worker the page has or starts (the simulator's
   * cores), as developer tools attach to them: their wasm scripts are
   * collected in `workerScripts`, and a breakpoint in them pauses that
   * worker (`paused`). Call before the workers start.
   */
  async debugWorkers(): Promise<void> {
    this.client.on("Target.attachedToTarget", (p: { sessionId: string; targetInfo: { type: string } }) => {
      if (p.targetInfo.type !== "worker") return;
      const session = p.sessionId;
      this.workerSessions.push(session);
      void this.send("Debugger.enable", {}, session).then(() => this.send("Runtime.runIfWaitingForDebugger", {}, session)).catch(() => {});
    });
    this.client.on("Debugger.scriptParsed", (p: { scriptId: string; url: string; sourceMapURL?: string }, session?: string) => {
      if (session) this.workerScripts.push({ session, scriptId: p.scriptId, url: p.url, sourceMapURL: p.sourceMapURL ?? "" });
    });
    this.client.on("Debugger.paused", (p: { callFrames: { functionName: string; location: { scriptId: string; columnNumber?: number } }[] }, session?: string) => {
      if (!session) return;
      const top = p.callFrames[0];
      this.paused.push({ session, functionName: top?.functionName ?? "", scriptId: top?.location.scriptId ?? "", offset: top?.location.columnNumber ?? -1 });
    });
    await this.send("Target.setAutoAttach", { autoAttach: true, waitForDebuggerOnStart: true, flatten: true });
  }

  private readonly workerSessions: string[] = [];

  /**
   * Asks each worker's debugger for its scripts again: a wasm module a
   * worker compiled after its debugger was enabled was not reported
   * (chromium 156, seen here), and an enable reports what the worker has.
   */
  async refreshWorkerScripts(): Promise<void> {
    for (const session of this.workerSessions) await this.send("Debugger.enable", {}, session).catch(() => {});
    await new Promise((r) => setTimeout(r, 200));
  }

  /** The workers' scripts (debugWorkers). */
  readonly workerScripts: { session: string; scriptId: string; url: string; sourceMapURL: string }[] = [];
  /** Where a worker paused (debugWorkers): its session, the function, the script and, in a wasm script, the byte offset. */
  readonly paused: { session: string; functionName: string; scriptId: string; offset: number }[] = [];

  /** Sets a breakpoint at byte `offset` of each worker's wasm script whose source map URL starts with `mapPrefix`; their ids, to remove. */
  async breakAt(offset: number, mapPrefix: string): Promise<{ session: string; id: string }[]> {
    const out: { session: string; id: string }[] = [];
    for (const sc of this.workerScripts.filter((x) => x.sourceMapURL.startsWith(mapPrefix))) {
      const r = await this.send("Debugger.setBreakpoint", { location: { scriptId: sc.scriptId, lineNumber: 0, columnNumber: offset } }, sc.session).catch(() => null);
      if (r?.breakpointId) out.push({ session: sc.session, id: r.breakpointId as string });
    }
    return out;
  }

  /** Removes breakpoints and lets a paused worker go on. */
  async clearBreakpoints(points: { session: string; id: string }[]): Promise<void> {
    for (const b of points) await this.send("Debugger.removeBreakpoint", { breakpointId: b.id }, b.session).catch(() => {});
    for (const session of new Set(this.paused.map((p) => p.session))) await this.send("Debugger.resume", {}, session).catch(() => {});
  }

  /** Presses the mouse on the element `selector` names, holds it `holdMs`, releases it. */
  async hold(selector: string, holdMs: number): Promise<void> {
    const box = await this.eval<{ x: number; y: number } | null>(`(() => { const r = document.querySelector(${JSON.stringify(selector)})?.getBoundingClientRect(); return r && { x: r.x + r.width / 2, y: r.y + r.height / 2 }; })()`);
    if (!box) throw new Error(`the page has no ${selector}`);
    await this.send("Input.dispatchMouseEvent", { type: "mouseMoved", x: box.x, y: box.y });
    await this.send("Input.dispatchMouseEvent", { type: "mousePressed", x: box.x, y: box.y, button: "left", clickCount: 1 });
    await new Promise((r) => setTimeout(r, holdMs));
    await this.send("Input.dispatchMouseEvent", { type: "mouseReleased", x: box.x, y: box.y, button: "left", clickCount: 1 });
  }

  /** Types `text` as key presses into the focused element ("\r" is Enter). */
  async type(text: string): Promise<void> {
    for (const ch of text) {
      const enter = ch === "\r";
      const key = enter ? "Enter" : ch;
      await this.send("Input.dispatchKeyEvent", { type: "keyDown", key, text: enter ? "\r" : ch, windowsVirtualKeyCode: enter ? 13 : ch.toUpperCase().charCodeAt(0) });
      await this.send("Input.dispatchKeyEvent", { type: "keyUp", key, windowsVirtualKeyCode: enter ? 13 : ch.toUpperCase().charCodeAt(0) });
    }
  }

  /** Presses and releases a key by its name ("Home", "ArrowRight") and Windows virtual key code, into the focused element. */
  async key(key: string, code: number): Promise<void> {
    await this.send("Input.dispatchKeyEvent", { type: "rawKeyDown", key, code: key, windowsVirtualKeyCode: code });
    await this.send("Input.dispatchKeyEvent", { type: "keyUp", key, code: key, windowsVirtualKeyCode: code });
  }

  /** A PNG of the page as it is drawn now. */
  async screenshot(): Promise<Uint8Array> {
    const r = await this.send("Page.captureScreenshot", { format: "png" });
    return Buffer.from(r.data as string, "base64");
  }

  /**
   * Ends chromium and every helper process it started (its process group),
   * then removes its profile. Never throws: a test's own failure is the one
   * to report. (A helper still writing to the profile once made rmSync fail
   * with ENOTEMPTY, and its open pipe kept the test's process alive.)
   */
  async close(): Promise<void> {
    await Promise.race([this.client.close().catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
    const ended = this.proc.exitCode !== null || this.proc.signalCode !== null;
    const exit = new Promise((r) => { if (ended) r(null); else this.proc.once("exit", r); });
    try { process.kill(-this.proc.pid!, "SIGKILL"); } catch { /* the group has gone */ }
    await Promise.race([exit, new Promise((r) => setTimeout(r, 5000))]);
    this.proc.stderr?.destroy();
    try { rmSync(this.profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }); } catch { /* left in tmp */ }
  }
}
