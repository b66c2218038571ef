// The green activity (ACT) LED, for the classic first program.
//   Pi 4: GPIO 42, active high, driven through drivers/gpio.ts.
//   Pi 3 Model B: not on a SoC pin: it hangs off the firmware's GPIO
//   expander (pin 130), set with the mailbox tag 0x00038041.
// on()/off() return false when the board would not do it; lastError() says
// why (QEMU's raspi3b firmware emulation does not know the expander tag).
import { Board, currentBoard } from "../board";
import * as gpio from "./gpio";
import * as mailbox from "./mailbox";
import * as atomic from "../arch/atomic";

export const PI4_LED_PIN: u32 = 42;
export const PI3_LED_EXPANDER_PIN: u32 = 130;

// Shared: whether the Pi 4's pin is claimed yet, and the LED's last state.
const STATE = memory.data(8, 4);

function pi4Pin(): gpio.OutputPin {
  if (atomic.cas32(STATE, 0, 1) == 0) gpio.output(PI4_LED_PIN);
  return new gpio.OutputPin(PI4_LED_PIN);
}

let error: string = "";

/** Lights the LED; false (and lastError()) if this board could not. */
export function set(on: bool): bool {
  error = "";
  if (currentBoard() == Board.Pi4) {
    const p = pi4Pin();
    p.set(on);
    atomic.store32(STATE + 4, on ? 1 : 0);
    return true;
  }
  if (mailbox.setFirmwareGpio(PI3_LED_EXPANDER_PIN, on)) {
    atomic.store32(STATE + 4, on ? 1 : 0);
    return true;
  }
  error = mailbox.lastError();
  return false;
}

export function on(): bool { return set(true); }
export function off(): bool { return set(false); }
/** Flips the LED. */
export function toggle(): bool { return set(atomic.load32(STATE + 4) == 0); }
/** Whether the LED was last set on. */
export function isOn(): bool { return atomic.load32(STATE + 4) != 0; }
/** Why the last on()/off() failed on this core ("" if it did not). */
export function lastError(): string { return error; }
