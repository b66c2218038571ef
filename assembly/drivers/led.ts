// The green activity (ACT) LED, for the classic first program. Where it is
// depends on the model, which the firmware's board revision names (the
// mailbox): the table is tools/boards/spec.ts (MODELS: each model's LED,
// with its source in docs/drivers/led.md), generated into
// board/generated.ts (modelLedKind, modelLedPin); docs/boards.md shows it.
// Without a revision (the mailbox did not answer), the SoC decides: GPIO 42
// on a BCM2711, the expander pin on a BCM2837 (defaultLedKind).
//
// on()/off() return false when the board has no LED we know or could not
// set it; lastError() says why.
import { Board, currentBoard, LedKind, modelLedKind, modelLedPin, defaultLedKind, defaultLedPin } from "../board";
import * as gpio from "./gpio";
import * as mailbox from "./mailbox";
import * as atomic from "../arch/atomic";

/** How this board's ACT LED is driven: Expander (the firmware's GPIO expander, through the mailbox), PinHigh or PinLow (a SoC GPIO driven high or low for on), None. */
export { LedKind as Kind };

/** The ACT LED of the model a revision code names (0: no revision, decide by the SoC). */
export function kindFor(revision: u32, b: Board): LedKind {
  if (revision & (1 << 23)) return modelLedKind((revision >> 4) & 0xff);
  if (revision) return LedKind.None;      // an old-style code: a Raspberry Pi 1
  return defaultLedKind(b);
}

/** The pin of the LED for a revision: a SoC GPIO, or the firmware expander's. */
export function pinFor(revision: u32, b: Board): u32 {
  if (revision & (1 << 23)) return modelLedPin((revision >> 4) & 0xff);
  return defaultLedPin(b);
}

// Shared by the cores: +0 the pin is claimed, +4 the LED's last state,
// +8 the kind (0 until first use), +12 the pin.
const STATE = memory.data(16, 4);

function kind(): LedKind {
  let k = <LedKind>atomic.load32(STATE + 8);
  if (k != LedKind.Unknown) return k;
  const rev = mailbox.boardRevision();
  k = kindFor(rev, currentBoard());
  atomic.store32(STATE + 12, pinFor(rev, currentBoard()));
  atomic.store32(STATE + 8, k);
  return k;
}

function pin(): gpio.OutputPin {
  const n = atomic.load32(STATE + 12);
  if (atomic.cas32(STATE, 0, 1) == 0) gpio.output(n, kind() == LedKind.PinLow);   // claimed once, off
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
  if (k == LedKind.PinHigh || k == LedKind.PinLow) {
    const p = pin();
    p.set(k == LedKind.PinHigh ? on : !on);
    atomic.store32(STATE + 4, on ? 1 : 0);
    return true;
  }
  if (k == LedKind.Expander) {
    if (mailbox.setFirmwareGpio(atomic.load32(STATE + 12), on)) {
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
  if (k == LedKind.PinHigh) return "GPIO " + n.toString() + ", active high";
  if (k == LedKind.PinLow) return "GPIO " + n.toString() + ", active low";
  if (k == LedKind.Expander) return "firmware GPIO expander pin " + n.toString() + " (mailbox)";
  return "none known for this model";
}
