// Reboot, power off and the watchdog: the power manager (PM) block at
// peripheral base + 0x100000, the same on both SoCs. Broadcom's datasheets
// leave it out; these are the registers and values Linux uses
// (drivers/watchdog/bcm2835_wdt.c, bcm2835-pm): RSTC 0x1C (reset
// control), RSTS 0x20 (reset status, which the firmware also reads to pick
// the partition to boot: partition 63, 0x555 spread over the even bits,
// means "halt"), WDOG 0x24 (the countdown, 20 bits of 1/65536 s: up to
// 15.9 s). Every write carries the password 0x5A in its top byte.
//
//   power.reboot();                   // the board restarts within ~150 us; never returns
//   power.powerOff();                 // the firmware halts instead of booting: the red LED stays
//   power.watchdog.arm(5000);         // a full reset unless fed within 5 s
//   power.watchdog.feed();            // from a task that runs only while all is well
//
// QEMU (10.0) models the reset: RSTC alone resets the machine (with
// -no-reboot QEMU exits), RSTS = halt then RSTC powers it off (QEMU exits,
// code 0). Its watchdog never counts: arming it resets at once. On a board
// the countdown and the firmware's halt are checked only on paper.
import { read32, write32 } from "../arch/mmio";
import { currentBoard, pmBase } from "../board";
import { println } from "../arch/console";
import { waitForEvent } from "../arch/cpu";

export const RSTC: u32 = 0x1c;
export const RSTS: u32 = 0x20;
export const WDOG: u32 = 0x24;
export const PASSWORD: u32 = 0x5a000000;
export const RSTC_WRCFG_MASK: u32 = 0x30;
export const RSTC_WRCFG_FULL_RESET: u32 = 0x20;
export const RSTC_RESET: u32 = 0x102;           // stops the countdown
export const RSTS_HALT: u32 = 0x555;            // partition 63: the firmware halts
export const RSTS_PARTITION_MASK: u32 = 0x555;  // bits 0, 2, ... 10
export const WDOG_TIME_MASK: u32 = 0xfffff;
/** Watchdog ticks a second (Linux: SECS_TO_WDOG_TICKS(x) = x << 16). */
export const WDOG_TICKS_PER_SECOND: u32 = 65536;

// @ts-ignore: decorator
@inline function base(): u32 { return pmBase(currentBoard()); }

/** Starts the countdown of `ticks` with a full reset at its end. */
function resetAfter(ticks: u32): void {
  const b = base();
  write32(b + WDOG, PASSWORD | (ticks & WDOG_TIME_MASK));
  write32(b + RSTC, PASSWORD | (read32(b + RSTC) & ~RSTC_WRCFG_MASK) | RSTC_WRCFG_FULL_RESET);
}

/** Waits for the reset (it comes within ~150 us); a board that does not reset is reported, once. */
function waitForReset(what: string): void {
  let n = 0;
  while (true) {
    waitForEvent();
    if (++n == 1_000_000) println("power: " + what + " asked, and the board did not reset");
  }
}

/** Restarts the board: the firmware boots it again, this kernel from the card. Never returns. */
export function reboot(): void {
  requestReboot();
  waitForReset("reboot");
}

/** Powers off: the firmware is told to halt (RSTS partition 63) and the board reset into it. Never returns. */
export function powerOff(): void {
  requestPowerOff();
  waitForReset("power off");
}

/** reboot()'s register writes, returning: the reset comes within ~150 us (for tests; a kernel calls reboot()). */
export function requestReboot(): void {
  resetAfter(10);                                  // 10 ticks, as Linux's restart handler
}

/** powerOff()'s register writes, returning (for tests; a kernel calls powerOff()). */
export function requestPowerOff(): void {
  const b = base();
  write32(b + RSTS, PASSWORD | (read32(b + RSTS) & ~RSTS_PARTITION_MASK) | RSTS_HALT);
  resetAfter(10);
}

/** Which reset the board came up from (RSTS, without the password: the firmware's partition bits and the HADxx flags). */
export function resetStatus(): u32 { return read32(base() + RSTS) & 0xffffff; }

export namespace watchdog {
  /** Arms (or re-arms) the watchdog: a full reset unless fed within `ms` (at most 15,999 ms). */
  export function arm(ms: u32): void {
    resetAfter(ticksOf(ms));
  }
  /** Starts the countdown again from `ms` (the arm's, if it was armed with the same): call it while all is well. */
  export function feed(ms: u32): void {
    write32(base() + WDOG, PASSWORD | (ticksOf(ms) & WDOG_TIME_MASK));
  }
  /** Stops the countdown. */
  export function disarm(): void {
    write32(base() + RSTC, PASSWORD | RSTC_RESET);
  }
  /** Whether a countdown runs (RSTC's reset configuration is "full reset"). */
  export function armed(): bool { return (read32(base() + RSTC) & RSTC_WRCFG_FULL_RESET) != 0; }
  /** Milliseconds left before the reset. */
  export function remainingMs(): u32 { return <u32>(<u64>(read32(base() + WDOG) & WDOG_TIME_MASK) * 1000 / WDOG_TICKS_PER_SECOND); }

  export function ticksOf(ms: u32): u32 {
    const t = <u64>ms * WDOG_TICKS_PER_SECOND / 1000;
    return t > WDOG_TIME_MASK ? WDOG_TIME_MASK : <u32>t;
  }
}
