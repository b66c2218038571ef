// Test kernel: the BCM system timer's compare interrupt (channel 3, routed
// to core 2 through the board's interrupt controller: the ARM controller
// on a Pi 3, SPI 67 (ID 99) of the GIC-400 on a Pi 4) wakes a task; and the
// activity LED. QEMU's raspi4b (10.0) does not connect the system timer to
// its GIC, so there the alarm is given 50 ms of the generic timer and the
// kernel says that it did not come. Run under -icount: without it QEMU's
// device timers lag the counter by milliseconds on a busy host, and the
// task may find the deadline passed before the interrupt is taken.
import { boot } from "../../assembly/kernel/boot";
import * as systimer from "../../assembly/drivers/systimer";
import * as led from "../../assembly/drivers/led";
import { unhandledIrqs } from "../../assembly/kernel/irq";
import * as gpio from "../../assembly/drivers/gpio";
import { Board, currentBoard } from "../../assembly/board";
import { Task, Context, spawnOn, runExecutor, Timeout } from "../../assembly/kernel/exec";
import { exit } from "../../assembly/arch/sys";
import { print, println, printU64 } from "../../assembly/arch/console";

class WaitAlarm extends Task {
  alarm: systimer.Alarm | null = null;
  timeout: Timeout | null = null;
  start: u64 = 0;
  poll(cx: Context): bool {
    if (!this.alarm) {
      this.start = systimer.now();
      this.alarm = new systimer.Alarm(3, this.start + 2000);
      this.timeout = new Timeout(this.alarm!, 50);
    }
    if (!this.timeout!.poll(cx)) return false;
    const late = systimer.now() - this.start;
    let failures = 0;
    if (!this.alarm!.byInterrupt) {
      print("systimer: no interrupt within 50 ms (handled on cores mask "); printU64(systimer.handledOn());
      print(", unhandled "); printU64(unhandledIrqs()); println(")");
      failures = currentBoard() == Board.Pi4 ? 0 : 1;
    } else {
      print("systimer: alarm by interrupt after "); printU64(late); print(" us (asked 2000), handled on cores mask ");
      printU64(systimer.handledOn()); println("");
      if (late < 2000) failures++;
    }
    // The LED: a GPIO on the Pi 4, the firmware's expander on the Pi 3.
    if (led.on()) {
      print("led: on");
      if (currentBoard() == Board.Pi4) { print(", GPIO 42 reads "); print(gpio.level(42) ? "high" : "low"); }
      println("");
      led.off();
    } else {
      print("led: "); println(led.lastError());
    }
    exit(failures);
    return true;
  }
}

function main(): void {
  systimer.enableInterrupts(2);
  spawnOn(2, new WaitAlarm());
  runExecutor();
}

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void {
  boot(core, main, worker);
}
