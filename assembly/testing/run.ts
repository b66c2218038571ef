// Running the executor inside a spec: one core (the spec's), a fake clock
// that only moves when the spec says so.
import { runOnce, serviceEvents } from "../kernel/exec";
import { reset, traceAtomics, advance } from "./fake";

/** A fresh fake host of four cores, as core 0, atomics not traced. */
export function fresh(): void { reset(4); traceAtomics(0); }
/** Polls until no task is ready: what is spawned runs up to its next await. */
export function drain(): void { while (runOnce()) {} }
/** Time goes on by `ticks` (of the fake clock: fake.FREQUENCY a second); the expired timers wake their tasks, which run. */
export function tick(ticks: u64): void { advance(ticks); serviceEvents(); drain(); }
