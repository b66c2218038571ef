// Test kernel: core 2 fails an assert (AssemblyScript's abort -> sys.panic),
// in a file with an async function (issue 28: the transform adds lines above
// it, and the panic must still name line 8, column 3, of this file).
import { trapTest } from "./lib/trap";
import { coreCount } from "../../assembly/arch/cpu";

function crash(): void {
  assert(coreCount() == 5, "four is not five");
}

/** Never run: it makes the build lower this file. */
export async function later(n: i32): Promise<i32> {
  let sum: i32 = 0;
  for (let i = 0; i < n; i++) sum += await twice(i);
  return sum;
}

async function twice(i: i32): Promise<i32> { return i * 2; }

export function kernel_start(core: u32): void {
  trapTest(core, crash);
}
