// The soak's channel image (make soak): tests/kernels/mpmc.ts's check
// (tests/kernels/lib/mpmc-checks.ts) at ten times make test's volume:
// 4 producers x 250,000 messages.
import { boot } from "../../assembly/kernel/boot";
import { runExecutor } from "../../assembly/kernel/exec";
import { mpmc } from "../kernels/lib/mpmc-checks";

function main(): void { mpmc(250_000); }

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
