// Hardware test (a real Pi 3 or 4; QEMU cannot drive an input pin): the GPIO
// edge interrupt, end to end. Wire GPIO 20 (header pin 38) to GPIO 21
// (header pin 40) with a jumper. GPIO 20 is driven, GPIO 21 reads it with a
// pull-down and detects both edges; a task toggles the output every 20 ms
// and another awaits each edge on the input (the GPIO interrupt wakes it).
// Passes after 100 edges; says so if an edge does not come within 100 ms.
// See tests/hardware/README.md.
import { boot } from "../../assembly/kernel/boot";
import * as gpio from "../../assembly/drivers/gpio";
import { Pull, Edge } from "../../assembly/drivers/gpio";
import * as led from "../../assembly/drivers/led";
import { Task, Context, spawn, runExecutor, Interval, Timeout } from "../../assembly/kernel/exec";
import { print, println, printU64 } from "../../assembly/arch/console";

class Driver extends Task {
  tick: Interval = new Interval(20);
  constructor(public out: gpio.OutputPin) { super(); }
  poll(cx: Context): bool {
    while (this.tick.poll(cx)) this.out.toggle();
    return false;
  }
}

class Watcher extends Task {
  edges: u32 = 0;
  wait: Timeout;
  edge: gpio.EdgeWait;
  constructor(public input: gpio.InputPin) {
    super();
    const e = input.edge();
    this.edge = e;
    this.wait = new Timeout(e, 100);
  }
  poll(cx: Context): bool {
    while (this.wait.poll(cx)) {
      if (this.wait.timedOut) {
        println("gpio-loopback: FAIL: no edge on GPIO 21 within 100 ms: is GPIO 20 (pin 38) wired to GPIO 21 (pin 40)?");
        led.on();
        return true;
      }
      this.edges++;
      if (this.edges == 100) {
        print("gpio-loopback: PASS: "); printU64(this.edges); println(" edges, each woken by the GPIO interrupt");
        led.off();
        return true;
      }
      this.edge.reset();
      this.wait = new Timeout(this.edge, 100);   // (the old one is small; a real program would reuse it)
    }
    return false;
  }
}

function main(): void {
  gpio.enableInterrupts(0);
  const out = gpio.output(20);
  const input = gpio.input(21, Pull.Down);
  input.detect(Edge.Rising | Edge.Falling);
  println("gpio-loopback: toggling GPIO 20 every 20 ms, watching GPIO 21");
  spawn(new Watcher(input));
  spawn(new Driver(out));
  runExecutor();
}

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
