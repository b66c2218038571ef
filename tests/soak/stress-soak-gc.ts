// The soak's second image (make soak): the same 1,000 stress rounds with
// every dispose() left out, in a heap cut to 320 KiB (tests/kernels/stress-gc.ts
// in make test runs 24): the collector frees what the rounds and their async
// actors made, and the heap in use is back where it started.
import { boot } from "../../assembly/kernel/boot";
import { spawnOn, runExecutor } from "../../assembly/kernel/exec";
import { print, println, printU64 } from "../../assembly/arch/console";
import { Driver, collectInstead } from "../kernels/lib/stress";
import { cutHeapTo } from "../kernels/lib/small-heap";

const FIRST_SEED: u32 = 0x1000;
const ROUNDS: u32 = 1000;

function main(): void {
  print("stress: "); printU64(cutHeapTo(256 << 10)); println(" bytes of heap free for the rounds");
  collectInstead();
  spawnOn(0, new Driver(FIRST_SEED, ROUNDS, false));
  runExecutor();
}

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
