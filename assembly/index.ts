// Entry point of kernel.wasm: the stub calls kernel_start(core) on every core.
import { boot } from "./kernel/boot";
import { main, worker } from "./main";

export function kernel_start(core: u32): void {
  boot(core, main, worker);
}
