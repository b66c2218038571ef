// A simulated core in a browser worker (module worker; web/page.ts starts four).
import { runCore, type CoreStart } from "../core.js";

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<CoreStart>) => void) | null;
  postMessage(message: unknown): void;
};
scope.onmessage = (e) => {
  const why = runCore(e.data, (m) => scope.postMessage(m));
  scope.postMessage({ core: e.data.core, stopped: why });
};
