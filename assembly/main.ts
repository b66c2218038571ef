// The user's kernel: the example. boot() calls main() on core 0 once all
// four cores are online; every core then runs its executor.
//
// What it shows (docs/executor.md and docs/drivers/ explain the pieces):
//   - a heartbeat task on a 1 s Interval, forever;
//   - a computation split over the four cores with spawnJoin and joined;
//   - a producer/consumer pipeline over a bounded Channel;
//   - the drivers: the board's identity from the mailbox, the UART at
//     115200 from the firmware's UART clock, the activity LED blinking, a
//     UART echo driven by receive interrupts, and a button on GPIO 17 whose
//     falling edge wakes a task through the GPIO interrupt;
// each printing which core did what.
import { println, print, printU64 } from "./arch/console";
import { banner } from "./kernel/banner";
import { dispose } from "./kernel/lifetime";
import {
  Task, Context, spawn, spawnOn, spawnJoin, JoinHandle, runExecutor, Interval, Channel, ChannelSend, ChannelRecv,
} from "./kernel/exec";
import * as mailbox from "./drivers/mailbox";
import { Clock } from "./drivers/mailbox";
import * as uart from "./drivers/uart";
import * as gpio from "./drivers/gpio";
import { Pull, Edge } from "./drivers/gpio";
import * as led from "./drivers/led";

/** Prints "heartbeat N (core C)" every second. */
class Heartbeat extends Task {
  beats: u32 = 0;
  tick: Interval = new Interval(1000);
  poll(cx: Context): bool {
    while (this.tick.poll(cx)) {
      this.beats++;
      print("heartbeat "); printU64(this.beats); print(" (core "); printU64(cx.core); println(")");
    }
    return false;      // never finishes
  }
}

/** Sum of k*k for k in [from, to): one quarter of the work. */
class Part extends Task {
  result: u64 = 0;
  core: u32 = 0;
  constructor(public from: u64, public to: u64) { super(); }
  poll(cx: Context): bool {
    let sum: u64 = 0;
    for (let k = this.from; k < this.to; k++) sum += k * k;
    this.result = sum;
    this.core = cx.core;
    return true;
  }
}

/** Splits the sum over four tasks (spawn spreads them over the cores), then joins them. */
class Compute extends Task {
  parts: Array<JoinHandle<Part>> = new Array<JoinHandle<Part>>();
  poll(cx: Context): bool {
    if (this.parts.length == 0) {
      for (let i: u64 = 0; i < 4; i++) this.parts.push(spawnJoin(new Part(1 + i * 10_000, 1 + (i + 1) * 10_000)));
    }
    for (let i = 0; i < this.parts.length; i++) if (!this.parts[i].poll(cx)) return false;
    let sum: u64 = 0;
    print("sum of squares 1..40000 =");
    for (let i = 0; i < this.parts.length; i++) sum += this.parts[i].task.result;
    print(" "); printU64(sum); print(" (parts on cores");
    for (let i = 0; i < this.parts.length; i++) {
      print(" "); printU64(this.parts[i].task.core);
      dispose(this.parts[i].task);
      dispose(this.parts[i]);
    }
    println(")");
    return true;
  }
  dispose(): void { dispose(this.parts); }
}

class Producer extends Task {
  n: i32 = 1;
  send: ChannelSend<i32>;
  constructor(channel: Channel<i32>) { super(); this.send = channel.send(1); }
  poll(cx: Context): bool {
    while (this.n <= 101) {                    // 1..100, then 0: the end
      if (!this.send.poll(cx)) return false;   // the channel is full: wait
      this.n++;
      this.send.value = this.n <= 100 ? this.n : 0;
      this.send.reset();
    }
    print("producer: sent 100 values (last on core "); printU64(cx.core); println(")");
    return true;
  }
}

class Consumer extends Task {
  total: i32 = 0;
  recv: ChannelRecv<i32>;
  constructor(channel: Channel<i32>) { super(); this.recv = channel.recv(); }
  poll(cx: Context): bool {
    while (this.recv.poll(cx)) {
      const v = this.recv.value;
      this.recv.reset();
      if (v == 0) {
        print("consumer: received a total of "); printU64(this.total); print(" (core "); printU64(cx.core); println(")");
        return true;
      }
      this.total += v;
    }
    return false;
  }
}

/** Blinks the activity LED every 500 ms. */
class Blink extends Task {
  tick: Interval = new Interval(500);
  toggles: u32 = 0;
  poll(cx: Context): bool {
    while (this.tick.poll(cx)) {
      if (!led.toggle()) { print("blink: "); println(led.lastError()); return true; }
      if (this.toggles++ == 0) println("blink: the activity LED toggles every 500 ms");
    }
    return false;
  }
}

/** Reads lines from the UART (receive interrupts) and answers each. */
class Echo extends Task {
  line: uart.ReadLine;
  constructor(port: uart.Port) { super(); this.line = port.readLine(); }
  poll(cx: Context): bool {
    while (this.line.poll(cx)) {
      print("you typed: "); print(this.line.line); print(" (core "); printU64(cx.core); println(")");
      this.line.reset();
    }
    return false;
  }
}

/** Waits for a falling edge on GPIO 17 (a button to ground, the pull-up holds it high). */
class Button extends Task {
  edge: gpio.EdgeWait;
  presses: u32 = 0;
  constructor(pin: gpio.InputPin) { super(); this.edge = pin.waitForEdge(Edge.Falling); }
  poll(cx: Context): bool {
    while (this.edge.poll(cx)) {
      this.presses++;
      print("button: pressed "); printU64(this.presses); print(" (core "); printU64(cx.core); println(")");
      this.edge.reset();
    }
    return false;
  }
}

/** The board as the firmware describes it, and the UART set from its clock. */
function drivers(): uart.Port {
  const rev = mailbox.boardRevision();
  if (rev) {
    print("board: "); print(mailbox.revisionModel(rev)); print(", "); print(mailbox.revisionSoc(rev));
    print(", "); printU64(mailbox.revisionMemoryMB(rev)); println(" MB (mailbox)");
  } else {
    print("board: "); println(mailbox.lastError());
  }
  const clock = mailbox.clockRate(Clock.UART);
  if (uart.configure(115200, clock)) { print("uart: 115200 baud from a "); printU64(clock); println(" Hz UART clock"); }
  else { print("uart: left as the boot stub set it: "); println(mailbox.lastError()); }
  // Peripheral interrupts go to core 0 (on a Pi 3 they all go to one core).
  gpio.enableInterrupts(0);
  return uart.open(0);
}

export function main(): void {
  banner();
  const port = drivers();
  spawn(new Blink());
  spawn(new Echo(port));
  spawn(new Button(gpio.input(17, Pull.Up)));
  println("echo: type a line and press Enter");
  println("button: waiting for a falling edge on GPIO 17 (wire a button to ground)");
  spawn(new Heartbeat());
  spawn(new Compute());
  const channel = new Channel<i32>(4);       // shared by the two tasks: made here, handed over
  spawnOn(1, new Producer(channel));
  spawnOn(2, new Consumer(channel));
  runExecutor();
}

/** What cores 1-3 do once online: run their executor. */
export function worker(core: u32): void {
  runExecutor();
}
