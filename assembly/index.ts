// Entry point of kernel.wasm: the stub calls kernel_start(core) on every core.
import { boot } from "./kernel/boot";
import { main, worker } from "./main";
// Where in an async function a core was, for the stub's report of a wasm trap (arch/sys.ts).
export { asyncName as __async_name, asyncLine as __async_line } from "./arch/sys";

export function kernel_start(core: u32): void {
  boot(core, main, worker);
}
