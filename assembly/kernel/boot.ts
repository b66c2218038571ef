// What every core does when the stub hands it the kernel: announce itself,
// meet the others, then run the user's code.
//
//   core N:  "core N online" -> ONLINE +1 (an atomic counter in shared memory)
//   core 0:  waits (WFE) until ONLINE reaches coreCount(),
//            prints "cores online: 4", then runs main()
//   others:  run worker(core); the default worker sleeps
//
// After a trap in a task's poll, on a core in its executor loop, the stub
// calls kernel_start again (host ABI sys.trapped): boot() then ends that
// task and goes back to the loop, unless onPanic(StopCore) was chosen or
// it is not safe (exec/executor.ts endTrappedTask); then it returns, and
// the core stops as before (issue 25).
import { coreCount, waitForWake } from "../arch/cpu";
import { sys as hostSys } from "../arch/host";
import { endTrappedTask, panicPolicyNow, OnPanic, runExecutor, serviceEvents } from "./exec/executor";
import * as atomic from "../arch/atomic";
import { print, println, printU64 } from "../arch/console";
// asconfig.json routes AssemblyScript's abort to arch/sys kernelAbort: every
// kernel includes boot.ts, so this import puts that handler in every build.
import "../arch/sys";
// Math.random()'s seed comes from the hardware generator where there is one:
// the driver names itself as the seed's source when it loads.
import "../drivers/rng";
import { fullSpeed } from "../drivers/clocks";
import { gcGate, gcInit } from "./mem/gc";
import { useOwnDtoaBuffer } from "./mem/runtime";

/** How many cores have announced themselves: one word of static (shared) memory. */
export const ONLINE = memory.data(4, 4);

/** Entry of the user's kernel on core 0, once every core is online. */
export type MainFn = () => void;
/** What a secondary core does once it is online. */
export type WorkerFn = (core: u32) => void;

/**
 * A worker that has nothing to do: sleeps (waitForWake: WFI, under QEMU
 * too), never spins. It still takes this core's events (a timer it armed
 * in an executor loop before, an interrupt routed here): one left pending
 * would end every WFI at once, and the core would spin (make bench's rows
 * after the other-core latency row ran twice as slow under wasm3 so).
 */
export function idle(core: u32): void {
  while (true) {
    serviceEvents();
    waitForWake();
  }
}

/** Waits (WFE) until every started core has announced itself. */
export function waitForAllCores(): u32 {
  const cores = coreCount();
  let online = atomic.load32(ONLINE);
  while (online < cores) online = atomic.wait32(ONLINE, online);
  return cores;
}

/** The per-core boot sequence; call it from the exported kernel_start. */
export function boot(core: u32, main: MainFn, worker: WorkerFn): void {
  if (hostSys.trapped()) { goOnAfterTrap(core); return; }
  useOwnDtoaBuffer(core);   // std's float formatting: a buffer of this core's own
  gcGate();            // a collection that started before this core came in finishes first
  print("core ");
  printU64(core);
  println(" online");
  atomic.add32(ONLINE, 1);
  if (core == 0) {
    gcInit();          // the collector's blocks, before main() takes any heap figure
    const cores = waitForAllCores();
    print("cores online: ");
    printU64(cores);
    println("");
    // On a board the ARM starts slow until the firmware is asked for more
    // (drivers/clocks.ts); the banner says what it got.
    fullSpeed();
    main();
  } else {
    worker(core);
  }
}

/** kernel_start again after a trap (boot's head): the task ended and the loop resumed, or why the core stops. */
function goOnAfterTrap(core: u32): void {
  print("core ");
  printU64(core);
  if (panicPolicyNow() == OnPanic.StopCore) { println(" stops: onPanic(StopCore)"); return; }
  const why = endTrappedTask();
  if (why.length) { print(" stops: "); println(why); return; }      // (no concatenation: the heap's lock may be the one held)
  println(" goes on: the task that panicked (above) has ended, its futures cancelled");
  runExecutor();
}

