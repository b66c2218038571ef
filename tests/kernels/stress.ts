// Test kernel: the executor under a seeded random workload with
// cancellation (tests/kernels/lib/stress.ts says what a round does and which
// invariants it checks). Runs ROUNDS seeds from FIRST_SEED, one round after
// another, on all four cores, a line per round; exits 0 if every round held,
// else 1. The QEMU test runs it under -icount, where the same seeds give the
// same run (replay a failing seed by setting FIRST_SEED to it and ROUNDS to 1).
// `make soak` runs many more (tests/soak/).
import { boot } from "../../assembly/kernel/boot";
import { spawnOn, runExecutor } from "../../assembly/kernel/exec";
import { Driver } from "./lib/stress";

const FIRST_SEED: u32 = 1;
const ROUNDS: u32 = 24;

function main(): void {
  spawnOn(0, new Driver(FIRST_SEED, ROUNDS, true));
  runExecutor();
}

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
