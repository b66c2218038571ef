// The simulator's node API: the same kernel.wasm that `make` builds for
// the board, on four worker threads over one shared memory, with the
// board's devices modelled in TypeScript (docs/simulator.md).
//
//   const pi = await simulate("build/kernel.wasm", { board: "pi3" });
//   await pi.uart.expect("cores online: 4");
//   pi.gpio(17).press();                    // a button to ground
//   await pi.uart.expect(/press 1/);
//   pi.uart.type("rate 100\r");
//   await pi.stop();
//
// Time is virtual by default: it moves when every core sleeps (to the
// earliest deadline: a sleep(1000) takes no second) and when the test
// calls advance(ms), so a test of timing does not depend on the host.
import { readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { Pi, SimError, type SimOptions, type SpawnCore } from "./pi.js";

export { Pi, SimError, ModuleError, type SimOptions, type Pin, type BoardName, type TimeMode } from "./pi.js";
export type { Figures } from "./figures.js";
export type { PwmOutput } from "./devices/pwm.js";
/** Parts for pi.i2c(n).attach(address, part): each a model from its datasheet. */
export { Tmp105 } from "./devices/tmp105.js";
export { Eeprom24c } from "./devices/eeprom.js";
export { setTime, RunningDs1338 } from "./devices/ds1338.js";
/** Parts for pi.spi(n).attach(part, cs). */
export { W25q80 } from "./devices/w25q80.js";
export type { SpiPart } from "./devices/spi.js";
export { Bme280, Ssd1306, Mpu6050, Ds1338, Pca9552, type I2cPart } from "../testing/fake-i2c.js";

/** node's worker threads, one a core (core-node.ts). */
const spawnNode: SpawnCore = (start, failed, message) => {
  const w = new Worker(new URL("./core-node.js", import.meta.url), { workerData: start });
  w.on("error", failed);
  w.on("message", message);
  return w;
};

/** Boots `kernel` (a kernel.wasm file's path, or its bytes) on a simulated board. */
export async function simulate(kernel: string | Uint8Array, options: SimOptions = {}): Promise<Pi> {
  const board = options.board ?? "pi3";
  if (board !== "pi3" && board !== "pi4") throw new SimError(`unknown board '${board}': the simulator has pi3 and pi4`);
  if (options.time !== undefined && !["virtual", "manual", "real"].includes(options.time))
    throw new SimError(`unknown time '${options.time}': give "virtual" (the default), "manual" or "real"`);
  let bytes: Uint8Array;
  if (typeof kernel === "string") {
    try { bytes = readFileSync(kernel); } catch (e) { throw new SimError(`cannot read ${kernel}: ${(e as Error).message} (build it with make, or give the path of a kernel.wasm)`); }
  } else bytes = kernel;
  return Pi.boot(board, bytes, options, spawnNode);
}
