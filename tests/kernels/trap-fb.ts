// Test kernel: core 2 opens the screen, then copies two rows to where the
// second would run past the framebuffer's end; the host refuses it.
import { trapTest } from "./lib/trap";
import { fb } from "../../assembly/arch/host";
import * as screen from "../../assembly/drivers/screen";

function crash(): void {
  const s = screen.open(640, 480);
  if (!s) return;
  fb.write(fb.bytes() - 2560, 2560, s.data, 2560, 2560, 2);
}

export function kernel_start(core: u32): void {
  trapTest(core, crash);
}
