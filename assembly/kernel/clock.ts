// The time of day: `Date.now()` for a kernel. The wall clock is an offset
// (milliseconds since 1970-01-01 00:00 UTC at the moment the generic timer
// read 0, which is the boot) plus the time since boot (the generic timer's
// counter and frequency: arch/sys.ts's uptimeMillis). Nothing sets the
// offset until the kernel does, so before that `Date.now()` is the time
// since boot: 1970-01-01 plus the uptime. Set it from a real-time clock on
// the bus, or from anything else that knows the time:
//
//   import { clock, Ds1338, i2c } from "tspi";
//   const rtc = new Ds1338(i2c.open(1));
//   if (await clock.syncFromRtc(rtc) == clock.ClockError.None)
//     println(new Date(Date.now()).toISOString());   // 2026-12-06T05:18:14.500Z
//   clock.setTime(1_800_000_000_000);                 // or by hand: ms since 1970
//
// `Date.now()` reaches now() below: asc's std would call the host's
// `env.Date.now`; tools/async/std-date.ts points that call at
// arch/sys.ts's kernelNow, which asks this module once it is imported (and
// gives the time since boot without it). One clock for the four cores: the
// offset is one 64-bit cell, read and replaced atomically, so a core reading
// the time while another sets it sees the old offset or the new one, never
// half of each.
import { Atomic } from "./sync/atomic";
import { setNowSource, uptimeMillis } from "../arch/sys";
import { Ds1338, DateTime } from "../devices/ds1338";

/** Why syncFromRtc did not set the time. */
export const enum ClockError {
  None = 0,
  /** The clock did not answer on the bus: the clock's `error` (an I2cError) says how. */
  Bus = 1,
  /** The clock answered with a time that cannot be (a month 13, a second 60: a part never set, or not a clock). */
  BadTime = 2,
}

/** A word for an error, for messages. */
export function errorName(e: ClockError): string {
  switch (e) {
    case ClockError.None: return "ok";
    case ClockError.Bus: return "the clock did not answer on the bus";
    case ClockError.BadTime: return "the clock holds a time that cannot be";
    default: return "unknown error";
  }
}

/** Milliseconds since 1970 when the counter read 0; 0 until set. */
const offset = new Atomic<i64>(0);
/** 1 once the time has been set (setTime or syncFromRtc). */
const set = new Atomic<u32>(0);

/** Milliseconds since the boot (the generic timer's count). */
export function uptime(): u64 { return uptimeMillis(); }

/** The time now, in milliseconds since 1970-01-01 00:00 UTC (what `Date.now()` gives): the uptime alone until the time is set. */
export function now(): i64 { return offset.get() + <i64>uptimeMillis(); }

/** Sets the time now to `unixMs` (milliseconds since 1970-01-01 00:00 UTC); the clock runs on from it on every core. */
export function setTime(unixMs: i64): void {
  offset.set(unixMs - <i64>uptimeMillis());
  set.set(1);
}

/** Whether the time has been set since boot (else now() is the uptime). */
export function isSet(): bool { return set.get() != 0; }

/** The calendar time a DS1338 can hold: years 2000-2099, each field in its range. */
export function plausible(t: DateTime): bool {
  if (t.year < 2000 || t.year > 2099 || t.month < 1 || t.month > 12 || t.day < 1) return false;
  const leap = t.year % 4 == 0;                       // (2000 is one; 2100 is out of range)
  const days: u32 = t.month == 2 ? (leap ? 29 : 28) : (t.month == 4 || t.month == 6 || t.month == 9 || t.month == 11 ? 30 : 31);
  return t.day <= days && t.hour < 24 && t.minute < 60 && t.second < 60;
}

/**
 * Sets the time from a real-time clock on the bus: one read of its time
 * (whole seconds), taken as UTC. The clock's second began up to a second
 * before the read, so the time is set to the middle of it: within half a
 * second of the clock's. Errors are values: the clock's `error` holds the
 * bus error of a ClockError.Bus; the time is unchanged on any error.
 */
export async function syncFromRtc(rtc: Ds1338): Promise<ClockError> {
  const t = await rtc.read();
  if (t == null) return ClockError.Bus;
  if (!plausible(t)) return ClockError.BadTime;
  setTime(<i64>t.unixSeconds * 1000 + 500);
  return ClockError.None;
}

function wallClock(): f64 { return <f64>now(); }
setNowSource(wallClock);
