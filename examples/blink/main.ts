// Example: blink the activity LED; type `rate <ms>` and Enter on the UART to
// change how fast. The change takes effect at once, not after the sleep under
// way: the blinker waits for the end of the period *or* a change, whichever
// comes first (timeout() over the change notification), so a change cancels
// the pending sleep (which leaves its timer list) and the new period starts.
//
//   make qemu APP=examples/blink/main.ts     then type: rate 100
import { print, println, printU64, banner, spawn, Notify, timeout, uart, led } from "tspi";

/** What the two tasks share: made by main(), handed to both (a module variable would do as well: one for all cores, docs/memory-model.md). */
class Rate {
  ms: u32 = 500;
  changed: Notify = new Notify();
}

async function blink(rate: Rate): Promise<void> {
  let toggles: u32 = 0;
  while (true) {
    const winner = await timeout(rate.changed.notified(), rate.ms);
    if (winner == 0) {                            // the rate changed: start the new period now
      print("blink: every "); printU64(rate.ms); println(" ms from now");
      continue;
    }
    if (!led.toggle()) { print("blink: "); println(led.lastError()); return; }
    if (toggles++ == 0) { print("blink: the LED toggles every "); printU64(rate.ms); println(" ms"); }
  }
}

async function commands(port: uart.Port, rate: Rate): Promise<void> {
  println("blink: type `rate <ms>` and Enter to change the period");
  while (true) {
    const line = await port.readLine();
    if (line.startsWith("rate ")) {
      const arg = line.substring(5);
      const ms = <i32>parseInt(arg);
      if (ms >= 10 && ms <= 60_000) { rate.ms = ms; rate.changed.notifyOne(); }
      else println("blink: give a period from 10 to 60000 ms");
    } else if (line.length > 0) {
      print("blink: unknown command: "); print(line); println(" (try: rate 100)");
    }
  }
}

export function main(): void {
  banner();
  uart.configure(115200);
  const port = uart.open(0);
  const rate = new Rate();
  spawn(blink(rate));
  spawn(commands(port, rate));
}
