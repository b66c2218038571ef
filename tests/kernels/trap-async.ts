// Test kernel: core 2 runs an async function that reads past the end of an
// array after an await: the panic line names the async function, where it
// is declared, and the line it was at (issue 14).
import { trapTest } from "./lib/trap";
import { spawnOn, runExecutor, yieldNow } from "../../assembly/kernel/exec";

async function readPast(list: Array<i32>): Promise<i32> {
  await yieldNow();
  let sum = 0;
  for (let i = 0; i <= list.length; i++) sum += list[i];      // line 10: one too far
  return sum;
}

function crash(): void {
  spawnOn(2, readPast([1, 2, 3]));
  runExecutor();
}

export function kernel_start(core: u32): void {
  trapTest(core, crash);
}

// As the entry tools/kernel/app-entry.ts writes does: where in an async function a core was, for the stub's report of a wasm trap.
export { asyncName as __async_name, asyncLine as __async_line } from "../../assembly/arch/sys";
