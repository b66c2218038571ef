// Test kernel: core 2 runs an async function that reaches unreachable()
// after an await: a wasm trap, not an abort. The stub's panic line names
// the async function and its line from the two globals the entry exports.
import { trapTest } from "./lib/trap";
import { spawnOn, runExecutor, yieldNow } from "../../assembly/kernel/exec";

async function stuck(n: i32): Promise<void> {
  await yieldNow();
  if (n == 3) unreachable();                                   // line 9
}

function crash(): void {
  spawnOn(2, stuck(3));
  runExecutor();
}

export function kernel_start(core: u32): void {
  trapTest(core, crash);
}

export { asyncName as __async_name, asyncLine as __async_line } from "../../assembly/arch/sys";
