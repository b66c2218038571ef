// The green activity (ACT) LED, for the classic first program. Where it is
// depends on the model, which the firmware's board revision names (the
// mailbox); each entry's source is in docs/drivers/led.md:
//
//   model (revision type)         the ACT LED
//   Pi 3 Model B (0x08)           firmware GPIO expander pin 130, active high (mailbox tag 0x00038041)
//   Pi 3 Model B+ (0x0d)          SoC GPIO 29, active high (expander pin 130 is the red power LED, active low)
//   Pi 3 Model A+ (0x0e)          SoC GPIO 29, active high (likewise)
//   Pi Zero 2 W (0x12)            SoC GPIO 29, active low
//   Pi 4 Model B (0x11)           SoC GPIO 42, active high
//   Compute Module 4 (0x14)       SoC GPIO 42, active high (the module's LED signal)
//   Pi 400 (0x13)                 none: GPIO 42 drives its power LED
//   CM3, CM3+ and others          none known
// Without a revision (the mailbox did not answer), the SoC decides: GPIO 42
// on a BCM2711, the expander pin on a BCM2837.
//
// on()/off() return false when the board has no LED we know or could not
// set it; lastError() says why.
import { Board, currentBoard } from "../board";
import * as gpio from "./gpio";
import * as mailbox from "./mailbox";
import * as atomic from "../arch/atomic";

export const PI4_LED_PIN: u32 = 42;
export const PI3_LED_EXPANDER_PIN: u32 = 130;
export const PI3_PLUS_LED_PIN: u32 = 29;

/** How this board's ACT LED is driven. */
export const enum Kind {
  Unknown = 0,
  /** The firmware's GPIO expander, through the mailbox (Pi 3 B). */
  Expander = 1,
  /** A SoC GPIO pin driven high for on. */
  PinHigh = 2,
  /** A SoC GPIO pin driven low for on. */
  PinLow = 3,
  /** No ACT LED this driver knows of. */
  None = 4,
}

/** The ACT LED of the model a revision code names (0: no revision, decide by the SoC). */
export function kindFor(revision: u32, b: Board): Kind {
  if (revision & (1 << 23)) {
    switch ((revision >> 4) & 0xff) {
      case 0x08: return Kind.Expander;
      case 0x0d: case 0x0e: case 0x11: case 0x14: return Kind.PinHigh;
      case 0x12: return Kind.PinLow;
      default: return Kind.None;
    }
  }
  if (revision) return Kind.None;
  return b == Board.Pi4 ? Kind.PinHigh : Kind.Expander;
}

/** The SoC pin of a PinHigh/PinLow LED for a revision (42 on a BCM2711, 29 on the Pi 3 family). */
export function pinFor(revision: u32, b: Board): u32 {
  const type = (revision >> 4) & 0xff;
  if (revision & (1 << 23)) return type == 0x11 || type == 0x14 ? PI4_LED_PIN : PI3_PLUS_LED_PIN;
  return b == Board.Pi4 ? PI4_LED_PIN : PI3_PLUS_LED_PIN;
}

// Shared by the cores: +0 the pin is claimed, +4 the LED's last state,
// +8 the kind (0 until first use), +12 the pin.
const STATE = memory.data(16, 4);

function kind(): Kind {
  let k = <Kind>atomic.load32(STATE + 8);
  if (k != Kind.Unknown) return k;
  const rev = mailbox.boardRevision();
  k = kindFor(rev, currentBoard());
  atomic.store32(STATE + 12, pinFor(rev, currentBoard()));
  atomic.store32(STATE + 8, k);
  return k;
}

function pin(): gpio.OutputPin {
  const n = atomic.load32(STATE + 12);
  if (atomic.cas32(STATE, 0, 1) == 0) gpio.output(n, kind() == Kind.PinLow);   // claimed once, off
  return new gpio.OutputPin(n);
}

/**
 * Forgets which LED this board has and lets the next use ask again (and
 * claim its pin afresh). The specs use it to play several models in turn;
 * a kernel never needs it.
 */
export function rescan(): void {
  atomic.store32(STATE, 0);
  atomic.store32(STATE + 4, 0);
  atomic.store32(STATE + 8, 0);
}

let error: string = "";

/** Lights the LED (or puts it out); false (and lastError()) if this board could not. */
export function set(on: bool): bool {
  error = "";
  const k = kind();
  if (k == Kind.PinHigh || k == Kind.PinLow) {
    const p = pin();
    p.set(k == Kind.PinHigh ? on : !on);
    atomic.store32(STATE + 4, on ? 1 : 0);
    return true;
  }
  if (k == Kind.Expander) {
    if (mailbox.setFirmwareGpio(PI3_LED_EXPANDER_PIN, on)) {
      atomic.store32(STATE + 4, on ? 1 : 0);
      return true;
    }
    error = mailbox.lastError();
    return false;
  }
  error = "led: this model has no activity LED this driver knows (docs/drivers/led.md)";
  return false;
}

export function on(): bool { return set(true); }
export function off(): bool { return set(false); }
/** Flips the LED. */
export function toggle(): bool { return set(atomic.load32(STATE + 4) == 0); }
/** Whether the LED was last set on (not a failure report). */
export function isOn(): bool { return atomic.load32(STATE + 4) != 0; }
/** Why the last on()/off() on this core failed ("" if it did not). */
export function lastError(): string { return error; }

/** Where this board's LED is, in words: "GPIO 29, active high", "firmware expander pin 130", "none". */
export function describe(): string {
  const k = kind();
  const n = atomic.load32(STATE + 12);
  if (k == Kind.PinHigh) return "GPIO " + n.toString() + ", active high";
  if (k == Kind.PinLow) return "GPIO " + n.toString() + ", active low";
  if (k == Kind.Expander) return "firmware GPIO expander pin 130 (mailbox)";
  return "none known for this model";
}
