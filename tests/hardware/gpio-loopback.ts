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
import { spawn, runExecutor, Interval, timeout } from "../../assembly/kernel/exec";
import { print, println, printU64 } from "../../assembly/arch/console";

async function drive(out: gpio.OutputPin): Promise<void> {
  const tick = new Interval(20);
  while (true) {
    await tick;
    out.toggle();
  }
}

async function watch(input: gpio.InputPin): Promise<void> {
  for (let edges = 1; edges <= 100; edges++) {
    if (await timeout(input.edge(), 100) == 1) {        // 1: the 100 ms ran out first
      println("gpio-loopback: FAIL: no edge on GPIO 21 within 100 ms: is GPIO 20 (pin 38) wired to GPIO 21 (pin 40)?");
      led.on();
      return;
    }
  }
  println("gpio-loopback: PASS: 100 edges, each woken by the GPIO interrupt");
  led.off();
}

function main(): void {
  gpio.enableInterrupts(0);
  const out = gpio.output(20);
  const input = gpio.input(21, Pull.Down);
  input.detect(Edge.Rising | Edge.Falling);
  println("gpio-loopback: toggling GPIO 20 every 20 ms, watching GPIO 21");
  spawn(watch(input));
  spawn(drive(out));
  runExecutor();
}

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
