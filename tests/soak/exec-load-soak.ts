// The soak's executor-load image (make soak): the checks of
// tests/kernels/exec-load.ts (tests/kernels/lib/exec-load-checks.ts) at 25
// times make test's volume: 50,000 ping-pong round trips, 500,000 tasks.
import { boot } from "../../assembly/kernel/boot";
import { runExecutor } from "../../assembly/kernel/exec";
import { execLoad } from "../kernels/lib/exec-load-checks";

function main(): void { execLoad(50_000, 500_000); }

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
