// Example: a command shell on the UART, with a counter that two tasks share:
// a ticker adds 1 every 100 ms while the shell reads commands; both go
// through one Mutex, so neither sees a half-made update whichever core it
// runs on.
//
//   make qemu APP=examples/shell/main.ts     then type: help
import { print, println, printU64, coreId, banner, spawn, Interval, Mutex, uart } from "tspi";

/** The shared counter: ticks from the ticker, plus what `add` adds. */
class Counter {
  ticks: u32 = 0;
  added: u32 = 0;
}

async function ticker(counter: Mutex<Counter>): Promise<void> {
  const every = new Interval(100);
  while (true) {
    await every;
    const g = await counter.lock();
    g.value.ticks++;
    g.unlock();
  }
}

async function shell(port: uart.Port, counter: Mutex<Counter>): Promise<void> {
  println("shell: type help and Enter");
  while (true) {
    print("> ");
    const line = await port.readLine();
    if (line == "help") {
      println("commands: count, add <n>, core, help");
    } else if (line == "count") {
      const g = await counter.lock();
      print("count: "); printU64(g.value.ticks + g.value.added);
      print(" ("); printU64(g.value.ticks); print(" ticks + "); printU64(g.value.added); println(" added)");
      g.unlock();
    } else if (line.startsWith("add ")) {
      const arg = line.substring(4);
      const n = <i32>parseInt(arg);
      if (n > 0) {
        const g = await counter.lock();
        g.value.added += n;
        print("added "); printU64(n); println("");
        g.unlock();
      } else println("add: give a positive number");
    } else if (line == "core") {
      print("the shell runs on core "); printU64(coreId()); println(" now");
    } else if (line.length > 0) {
      print("unknown command: "); print(line); println(" (try help)");
    }
  }
}

export function main(): void {
  banner();
  uart.configure(115200);
  const port = uart.open(0);
  const counter = new Mutex<Counter>(new Counter());
  spawn(ticker(counter));
  spawn(shell(port, counter));
}
