// The tour of the library, what make builds until assembly/main.ts is yours. main() runs
// on core 0 once all four cores are online and spawns the tasks; every core runs its executor.
//
// Every task is an `async function` (docs/async.md: the build lowers each
// to a state machine that the executor polls). What it shows
// (docs/executor.md and docs/drivers/ explain the pieces):
//   - a heartbeat task on a 1 s Interval, forever;
//   - a computation split over the four cores with spawnJoin and awaited;
//   - a producer/consumer pipeline over a bounded Channel;
//   - the drivers: the board's identity from the mailbox, the UART at
//     115200 from the firmware's UART clock, the activity LED blinking, a
//     UART echo driven by receive interrupts, and a button on GPIO 17 whose
//     falling edge wakes a task through the GPIO interrupt;
// each printing which core did what.
import { println, print, printU64, coreId, banner, gc, collections, heap, HeapStats, spawn, spawnOn, spawnJoin, JoinHandle, runExecutor, Interval, Channel, yieldNow, mailbox, uart, gpio, Pull, Edge, led } from "tspi";
import { Clock } from "tspi/drivers/mailbox";

/** Prints "heartbeat N (core C)" every second. */
async function heartbeat(): Promise<void> {
  const tick = new Interval(1000);
  for (let beats: u32 = 1; ; beats++) {
    await tick;                                 // ready once per second, without drift
    print("heartbeat "); printU64(beats); print(" (core "); printU64(coreId()); println(")");
  }
}

/** Sum of k*k for k in [from, to): one quarter of the work. */
async function part(from: u64, to: u64): Promise<u64> {
  let sum: u64 = 0;
  for (let k = from; k < to; k++) sum += k * k;
  return sum;
}

/** Splits the sum over four tasks (spawnJoin spreads them over the cores), then joins them. */
async function compute(): Promise<void> {
  const parts = new Array<JoinHandle<Promise<u64>>>();
  for (let i: u64 = 0; i < 4; i++) parts.push(spawnJoin(part(1 + i * 10_000, 1 + (i + 1) * 10_000)));
  let sum: u64 = 0;
  for (let i = 0; i < parts.length; i++) sum += await parts[i];
  print("sum of squares 1..40000 = "); printU64(sum); print(" (parts on cores");
  for (let i = 0; i < parts.length; i++) { print(" "); printU64(parts[i].runner.home); }
  println(")");
}

/** Sends 1..100, then 0 (the end); waits whenever the channel is full. */
async function producer(channel: Channel<i32>): Promise<void> {
  for (let n = 1; n <= 100; n++) await channel.send(n);
  await channel.send(0);
  print("producer: sent 100 values (last on core "); printU64(coreId()); println(")");
}

/** Adds up what arrives until the 0. */
async function consumer(channel: Channel<i32>): Promise<void> {
  let total = 0;
  while (true) {
    const v = await channel.recv();
    if (v == 0) break;
    total += v;
  }
  print("consumer: received a total of "); printU64(total); print(" (core "); printU64(coreId()); println(")");
}

/** Blinks the activity LED every 500 ms. */
async function blink(): Promise<void> {
  const tick = new Interval(500);
  for (let toggles = 0; ; toggles++) {
    await tick;
    if (!led.toggle()) { print("blink: "); println(led.lastError()); return; }
    if (toggles == 0) println("blink: the activity LED toggles every 500 ms");
  }
}

/**
 * Reads lines from the UART (receive interrupts) and answers each. Every
 * line and every answer is a new string: the collector frees them
 * (kernel/mem/gc.ts). `heap` answers with the heap in use after a collection.
 */
async function echo(port: uart.Port): Promise<void> {
  while (true) {
    const line = await port.readLine();
    if (line == "heap") {
      const before = collections();
      gc();
      while (collections() == before) await yieldNow();   // it runs at this core's next poll boundary
      heap.stats(heapNow);
      println("heap: " + heapNow.inUse.toString() + " bytes in use after a collection (" + collections().toString() + " so far)");
      continue;
    }
    println("you typed: " + line + " (core " + coreId().toString() + ")");
  }
}

const heapNow = new HeapStats();

/** Waits for falling edges on GPIO 17 (a button to ground, the pull-up holds it high). */
async function button(pin: gpio.InputPin): Promise<void> {
  pin.detect(Edge.Falling);
  for (let presses = 1; ; presses++) {
    await pin.edge();
    print("button: pressed "); printU64(presses); print(" (core "); printU64(coreId()); println(")");
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
  spawn(blink());
  spawn(echo(port));
  spawn(button(gpio.input(17, Pull.Up)));
  println("echo: type a line and press Enter");
  println("button: waiting for a falling edge on GPIO 17 (wire a button to ground)");
  spawn(heartbeat());
  spawn(compute());
  const channel = new Channel<i32>(4);       // shared by the two tasks: made here, handed over
  spawnOn(1, producer(channel));
  spawnOn(2, consumer(channel));
}
