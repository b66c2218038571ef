// Test kernel: the collector's checks (tests/kernels/lib/gc-checks.ts) at
// the volume make test runs: 20,000 tasks and 200,000 iterations, some
// 20 MB allocated through a 1 MiB heap. make soak runs five times as many
// (tests/soak/gc-soak.ts).
import { boot } from "../../assembly/kernel/boot";
import { runExecutor } from "../../assembly/kernel/exec";
import { gcChecks } from "./lib/gc-checks";

function main(): void { gcChecks(20_000, 200_000); }

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
