// Which cores stopped or are stuck (issue 25, docs/architecture.md, "A core that stops or is stuck").
//
// The stub's watchdog (cpu.watch, boot/wasm/host_watch.c) keeps one word:
// bits 0-7 the cores whose kernel stopped (trapped where it could not go
// on, or returned), bits 8-15 those stuck in one poll past the hand-over
// limit. The other cores serve in their place (exec/executor.ts): they fire
// those cores' timer lists (EVENT_ADOPT), take their interrupts (the stub
// sends them over), steal from their queues as from any; a stopped core's
// pinned tasks run elsewhere too (it will never run them), a stuck core's
// wait for it (it may come back). The collector's line when a stuck core
// made it give a request up says so (mem/gc.ts).
import * as atomic from "../arch/atomic";

/** The stub's word (cpu.watch): read with a plain load where a hint will do. */
export const WATCH_STATE = memory.data(4, 4);

/** The cores that stopped or are stuck in a poll now (bit n = core n). */
export function unavailableCores(): u32 {
  const s = atomic.load32(WATCH_STATE);
  return (s | (s >> 8)) & 0xff;
}
/** The cores whose kernel stopped: trapped where it could not go on, or returned (bit n = core n). */
export function stoppedCores(): u32 { return atomic.load32(WATCH_STATE) & 0xff; }
/** The cores stuck in one poll past the hand-over limit now (bit n = core n). */
export function stuckCores(): u32 { return (atomic.load32(WATCH_STATE) >> 8) & 0xff; }

// The same, read with a plain load: a hint for the executor's spawn, wake
// and steal paths (the word changes rarely, and a stale read costs a turn).
// @ts-ignore: decorator
@inline export function stoppedHint(): u32 { return load<u32>(WATCH_STATE) & 0xff; }
// @ts-ignore: decorator
@inline export function stuckHint(): u32 { return (load<u32>(WATCH_STATE) >> 8) & 0xff; }
