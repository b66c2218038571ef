// Test kernel: core 2 runs an async function whose assert fails after an
// await: asc places the assert in the state machine the transform writes
// after the file's last line, and the panic line must name the user's line
// (10) both in the location and in the async function's (issue 28).
import { trapTest } from "./lib/trap";
import { spawnOn, runExecutor, yieldNow } from "../../assembly/kernel/exec";

async function check(n: i32): Promise<void> {
  await yieldNow();
  assert(n < 3, "too big");                                  // line 10
}

function crash(): void {
  spawnOn(2, check(5));
  runExecutor();
}

export function kernel_start(core: u32): void {
  trapTest(core, crash);
}
