// Test kernel: 4 producers x 25,000 messages through one channel to 4
// consumers (tests/kernels/lib/mpmc-checks.ts); make soak runs 250,000 each
// (tests/soak/mpmc-soak.ts).
import { boot } from "../../assembly/kernel/boot";
import { runExecutor } from "../../assembly/kernel/exec";
import { mpmc } from "./lib/mpmc-checks";

function main(): void { mpmc(25_000); }

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
