// Hardware test: the classic first program. The green activity LED blinks
// once a second (where the model has it: GPIO 42 on a Pi 4, GPIO 29 on a
// 3 B+, the firmware's expander on a 3 B; docs/drivers/led.md), and the
// board describes itself on the UART.
// See tests/hardware/README.md.
import { boot } from "../../assembly/kernel/boot";
import * as led from "../../assembly/drivers/led";
import * as mailbox from "../../assembly/drivers/mailbox";
import * as uart from "../../assembly/drivers/uart";
import { spawn, runExecutor, Interval } from "../../assembly/kernel/exec";
import { print, println, printU64 } from "../../assembly/arch/console";

async function blink(): Promise<void> {
  const tick = new Interval(500);
  while (true) {
    await tick;
    if (!led.toggle()) { print("blink: "); println(led.lastError()); return; }
  }
}

function main(): void {
  uart.configure(115200);
  const rev = mailbox.boardRevision();
  print("blink: "); print(mailbox.revisionModel(rev)); print(", temperature ");
  printU64(mailbox.temperature() / 1000); println(" C; the ACT LED blinks once a second");
  spawn(blink());
  runExecutor();
}

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
