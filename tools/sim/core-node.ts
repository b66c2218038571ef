// A simulated core in a node worker thread (sim/index.ts starts four).
import { parentPort, workerData } from "node:worker_threads";
import { runCore, type CoreStart } from "./core.js";

const why = runCore(workerData as CoreStart, (m) => parentPort?.postMessage(m));
parentPort?.postMessage({ core: (workerData as CoreStart).core, stopped: why });
