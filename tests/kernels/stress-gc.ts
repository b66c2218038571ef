// Test kernel: the executor stress rounds of tests/kernels/stress.ts with
// every dispose() left out (collectInstead(): the collector frees the
// futures, tasks, channels and rounds), in a heap cut down to HEAP_BYTES
// and 64 KiB, far less than the rounds allocate. The Driver checks, after the last
// round and two collections, that the heap's bytes in use are back where
// they were before the first.
import { boot } from "../../assembly/kernel/boot";
import { spawnOn, runExecutor } from "../../assembly/kernel/exec";
import { print, println, printU64 } from "../../assembly/arch/console";
import { Driver, collectInstead } from "./lib/stress";
import { cutHeapTo } from "./lib/small-heap";

const FIRST_SEED: u32 = 1;
const ROUNDS: u32 = 24;
const HEAP_BYTES: u32 = 256 << 10;

function main(): void {
  print("stress: "); printU64(cutHeapTo(HEAP_BYTES)); println(" bytes of heap free for the rounds");
  collectInstead();
  spawnOn(0, new Driver(FIRST_SEED, ROUNDS, true));
  runExecutor();
}

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
