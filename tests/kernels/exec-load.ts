// Test kernel: the executor under load (tests/kernels/lib/exec-load-checks.ts)
// at make test's volume: 2,000 ping-pong round trips, 20,000 tasks for the
// leak check. make soak runs the same checks at 25 times that
// (tests/soak/exec-load-soak.ts).
import { boot } from "../../assembly/kernel/boot";
import { runExecutor } from "../../assembly/kernel/exec";
import { execLoad } from "./lib/exec-load-checks";

function main(): void { execLoad(2_000, 20_000); }

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
