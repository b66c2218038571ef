// The soak (make soak): the stress rounds of tests/kernels/lib/stress.ts for
// many more seeds, with their faults (a panic line per round), only failures printed. Built by make soak, never by make
// test; tools/bench/soak.ts boots it on both boards, with -icount (one schedule
// per seed, replayable) and without (the cores really in parallel).
import { boot } from "../../assembly/kernel/boot";
import { spawnOn, runExecutor, setWatchdog } from "../../assembly/kernel/exec";
import { Driver, injectFaults } from "../kernels/lib/stress";

const FIRST_SEED: u32 = 0x1000;
const ROUNDS: u32 = 1000;

function main(): void {
  injectFaults();            // every round: a trap with the lock held, and a 6 ms hog (issue 25)
  setWatchdog(2, 0);
  spawnOn(0, new Driver(FIRST_SEED, ROUNDS, false));
  runExecutor();
}

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
