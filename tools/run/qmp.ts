// A QMP client (QEMU's machine protocol, JSON over a socket): what a test
// uses to act on a running machine from outside, as the board's world
// would: set a sensor's reading (qom-set), read a device's state (qom-get),
// take a picture of the screen (screendump). QEMU is started with
// `-qmp unix:PATH,server=on,wait=off`; connect() retries until the socket
// is there, reads the greeting and enters command mode.
import { connect as netConnect, Socket } from "node:net";

export interface Qmp {
  /** Runs `command` with `args`; its "return", or an error with QMP's description. */
  execute(command: string, args?: Record<string, unknown>): Promise<unknown>;
  close(): void;
}

export function connect(path: string, timeoutMs = 10_000): Promise<Qmp> {
  const end = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const sock: Socket = netConnect(path);
      let buffer = "";
      const waiting: { resolve(v: unknown): void; reject(e: Error): void }[] = [];
      let greeted = false;
      sock.on("error", (e: NodeJS.ErrnoException) => {
        if (!greeted && (e.code === "ENOENT" || e.code === "ECONNREFUSED") && Date.now() < end) { setTimeout(attempt, 50); return; }
        if (!greeted) reject(new Error(`qmp: ${path}: ${e.message}`));
        for (const w of waiting.splice(0)) w.reject(new Error(`qmp: ${e.message}`));
      });
      sock.on("data", (d: Buffer) => {
        buffer += d.toString("utf8");
        let nl: number;
        while ((nl = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (!line) continue;
          const msg = JSON.parse(line) as { QMP?: unknown; return?: unknown; error?: { desc: string }; event?: string };
          if (msg.QMP) {
            greeted = true;
            const qmp: Qmp = {
              execute(command, args) {
                return new Promise((res, rej) => {
                  waiting.push({ resolve: res, reject: rej });
                  sock.write(JSON.stringify(args ? { execute: command, arguments: args } : { execute: command }) + "\n");
                });
              },
              close() { sock.destroy(); },
            };
            qmp.execute("qmp_capabilities").then(() => resolve(qmp), reject);
          } else if (msg.event) {
            continue;
          } else {
            const w = waiting.shift();
            if (!w) continue;
            if (msg.error) w.reject(new Error(`qmp: ${msg.error.desc}`));
            else w.resolve(msg.return);
          }
        }
      });
    };
    attempt();
  });
}
