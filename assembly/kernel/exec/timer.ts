// Time for tasks: Sleep (a deadline), Interval (a period), both futures
// driven by the generic timer's interrupt.
//
// Each core keeps the sleeps registered on it in a list sorted by deadline
// (a wasm global: only that core touches it) and arms its timer interrupt
// (cpu.setTimer) for the earliest one. When it fires, the C top half records
// an event and SEVs; the core's executor loop sees it (cpu.events), marks
// every sleep whose deadline has passed as fired and wakes its task. A Sleep
// is ready once fired, so a task polled on another core meanwhile just stays
// pending until the core it registered on fires it.
//
// Ticks are the generic timer's (cpu.counter()); durations in milliseconds
// are converted with cpu.frequency(), never a constant.
import { counter, timerFrequency } from "../../arch/cpu";
import { cpu as host } from "../../arch/host";
import { Task, Context } from "./task";

const EVENT_TIMER: u32 = 1;

/** Counter ticks in `ms` milliseconds. */
export function ticksFromMillis(ms: u64): u64 { return ms * timerFrequency() / 1000; }
/** Milliseconds in `ticks`. */
export function millisFromTicks(ticks: u64): u64 { return ticks * 1000 / timerFrequency(); }

export class Sleep {
  task: Task | null = null;
  next: Sleep | null = null;
  registered: bool = false;
  fired: bool = false;

  constructor(public deadline: u64) {}

  /** A sleep of `ms` milliseconds from now. */
  static millis(ms: u64): Sleep { return new Sleep(counter() + ticksFromMillis(ms)); }

  /** Ready once the deadline has passed (and the timer interrupt said so). */
  poll(cx: Context): bool {
    if (this.fired) return true;
    if (!this.registered) {
      if (counter() >= this.deadline) return true;
      this.task = cx.waker;
      this.registered = true;
      register(this);
    }
    return false;
  }

  /** Ready for another deadline (not while registered). */
  reset(deadline: u64): void {
    this.deadline = deadline;
    this.fired = false;
    this.registered = false;
  }
}

/** Ticks every `periodMs` milliseconds: poll() is ready once per period, without drift. */
export class Interval {
  sleep: Sleep;
  period: u64;
  constructor(periodMs: u64) {
    const period = ticksFromMillis(periodMs);
    this.sleep = new Sleep(counter() + period);
    this.period = period;
  }
  poll(cx: Context): bool {
    if (!this.sleep.poll(cx)) return false;
    this.sleep.reset(this.sleep.deadline + this.period);
    return true;
  }
}

// This core's registered sleeps, earliest first.
let timers: Sleep | null = null;

function register(s: Sleep): void {
  if (!timers || s.deadline < timers!.deadline) {
    s.next = timers;
    timers = s;
    host.setTimer(s.deadline);
    return;
  }
  let at = timers!;
  while (at.next && at.next!.deadline <= s.deadline) at = at.next!;
  s.next = at.next;
  at.next = s;
}

/** The bottom half: fires every sleep of this core whose deadline has passed. */
export function serviceTimers(): void {
  // Only when the interrupt said so: no polling of the clock.
  if (!(host.events() & EVENT_TIMER)) return;
  const now = counter();
  while (timers && timers!.deadline <= now) {
    const s = timers!;
    timers = s.next;
    s.next = null;
    s.fired = true;
    if (s.task) s.task!.wake();
  }
  host.setTimer(timers ? timers!.deadline : 0);
}
