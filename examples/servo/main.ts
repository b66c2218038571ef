// Example: a servo sweeping and an LED breathing, on the two channels of
// the PWM block (drivers/pwm.ts, docs/drivers/pwm.md). The hardware makes
// the pulses: the tasks only change a register now and then, and between
// times the cores sleep.
//
//   servo: signal to GPIO 18 (header pin 12), 5 V and ground from the
//          header (pins 2 and 6; a bigger servo wants its own supply,
//          grounds joined). 50 Hz, 1000-2000 us for 0-180 degrees.
//   LED:   GPIO 13 (header pin 33) through 330 ohm to the LED, to ground.
//          1 kHz, balanced: the high time spread over each period.
//
//   make qemu APP=examples/servo/main.ts
//
// QEMU models no PWM: on raspi3b the registers are plain memory (the
// tasks run and print, and no pin moves), on raspi4b there is no block at
// all, which open() finds with a probe and says so.
import { print, println, printU64, banner, spawn, sleep, Interval, pwm } from "tspi";

/** 0 to 180 degrees and back, 10 degrees every 300 ms. */
async function sweep(arm: pwm.Servo): Promise<void> {
  let angle: i32 = 0, step: i32 = 10;
  while (true) {
    const err = arm.setAngle(angle);
    if (err != pwm.PwmError.None) { print("servo: "); println(pwm.errorName(err)); return; }
    print("servo: "); printU64(angle); print(" degrees, a pulse of "); printU64(<u64>Math.round(arm.channel.pulseMicros)); println(" us");
    await sleep(300);
    if (angle + step < 0 || angle + step > 180) step = -step;
    angle += step;
  }
}

/**
 * One breath every 3 s, 50 steps a second. The eye sees brightness about
 * as the duty's square root, so the duty is the square of a raised cosine:
 * the LED seems to brighten and dim evenly.
 */
async function breathe(led: pwm.Channel): Promise<void> {
  const steps = 150;
  const tick = new Interval(20);
  println("led: breathing, one breath every 3 s");
  let i = 0;
  while (true) {
    await tick;
    const level = 0.5 - 0.5 * Math.cos(2 * Math.PI * <f64>i / <f64>steps);
    led.setDuty(level * level);
    i = (i + 1) % steps;
  }
}

export function main(): void {
  banner();
  const arm = pwm.servo(18);
  if (!arm.ok) { print("servo: GPIO 18: "); println(pwm.errorName(arm.error)); return; }
  const led = pwm.open(13, 1000, pwm.Mode.Balanced);
  if (!led.ok) { print("led: GPIO 13: "); println(pwm.errorName(led.error)); arm.close(); return; }
  print("pwm: the servo on GPIO 18 at "); printU64(<u64>arm.channel.hz); print(" Hz, the LED on GPIO 13 at ");
  printU64(<u64>led.hz); print(" Hz, from a "); printU64(pwm.clockHz()); println(" Hz clock");
  spawn(sweep(arm));
  spawn(breathe(led));
}
