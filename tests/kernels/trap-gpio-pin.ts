// Test kernel: core 2 claims a GPIO pin the board does not have.
import { trapTest } from "./lib/trap";
import * as gpio from "../../assembly/drivers/gpio";

function crash(): void {
  gpio.output(60);
}

export function kernel_start(core: u32): void {
  trapTest(core, crash);
}
