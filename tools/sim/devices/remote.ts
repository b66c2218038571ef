// A block the controlling thread models (the node API's, or the page's):
// the I2C masters, whose parts (a TMP105, a BME280, a display...) a test
// or the page attaches and drives as plain objects (pi.i2c(1).attach(...)).
// A core's access goes to that thread and waits for its answer (state.ts:
// the core's REQ_ words; sim/host.ts asks, sim/pi.ts answers), so these
// blocks cost a round trip between threads per access: about the time an
// I2C byte takes on the wire at 100 kHz. Their interrupt lines are what
// the controlling thread last wrote to the shared state.
import type { Device } from "./device.js";
import { SimState, W } from "../state.js";

export class RemoteDevice implements Device {
  readonly remote = true;
  constructor(readonly name: string, readonly base: number, readonly size: number, private readonly s: SimState) {}
  read(): number { throw new Error(`${this.name}: modelled by the controlling thread (sim/host.ts asks it)`); }
  write(): void { throw new Error(`${this.name}: modelled by the controlling thread (sim/host.ts asks it)`); }
  lines(): bigint { return BigInt(Atomics.load(this.s.i32, W.REMOTE_LINES_HI) >>> 0) << 32n; }
}
