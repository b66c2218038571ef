// The soak's collector image (make soak): the checks of tests/kernels/gc.ts
// (tests/kernels/lib/gc-checks.ts) at five times make test's volume:
// 100,000 tasks and a million iterations through a 1 MiB heap.
import { boot } from "../../assembly/kernel/boot";
import { runExecutor } from "../../assembly/kernel/exec";
import { gcChecks } from "../kernels/lib/gc-checks";

function main(): void { gcChecks(100_000, 1_000_000); }

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
