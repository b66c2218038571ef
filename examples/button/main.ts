// Example: a button on GPIO 17 (to ground; the pull-up holds the pin high)
// toggles the activity LED, debounced: after the falling edge the task
// sleeps 20 ms for the contact to settle, checks the button is still down,
// then waits for it to come up (and settle) before it takes the next press.
// No core spins: each wait is an await on the GPIO interrupt or the timer.
//
//   make sim APP=examples/button/main.ts     (hold GPIO 17 on the page: the simulator has the button QEMU lacks)
//   make qemu APP=examples/button/main.ts    (QEMU has no button: on a board, wire one)
import { print, println, printU64, banner, spawn, sleep, gpio, Pull, Edge, led } from "tspi";

const SETTLE_MS: u64 = 20;

async function button(pin: gpio.InputPin): Promise<void> {
  pin.detect(Edge.Falling);
  println("button: waiting for presses on GPIO 17 (a button to ground)");
  let presses: u32 = 0;
  while (true) {
    await pin.edge();                         // the GPIO interrupt wakes us
    await sleep(SETTLE_MS);
    if (pin.isHigh) continue;                 // a bounce, or a glitch: not a press
    presses++;
    led.toggle();
    print("button: press "); printU64(presses); print(", LED "); println(led.isOn() ? "on" : "off");
    await pin.waitForLevel(true);             // released
    await sleep(SETTLE_MS);
    pin.takeEvent();                          // the bounces of the release do not count as presses
  }
}

export function main(): void {
  banner();
  gpio.enableInterrupts(0);
  spawn(button(gpio.input(17, Pull.Up)));
}
