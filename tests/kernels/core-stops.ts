// Test kernel: a core that stops strands no task (issue 25, point 1).
// Three tasks pinned to core 2 sleep there (their sleeps in core 2's timer
// list), a fourth waits for a system-timer alarm whose interrupt is routed
// to core 2, and a fifth then traps on core 2 with a spin lock held: not
// safe to go on, so core 2 stops. The others must still finish: their
// timers fired by the cores that run, the interrupt taken over from core 2,
// and tasks pinned to core 2 run elsewhere, since it will never run them.
// tests/qemu/exec.test.ts reads the lines.
import { boot } from "../../assembly/kernel/boot";
import { exit } from "../../assembly/arch/sys";
import { println } from "../../assembly/arch/console";
import { coreId } from "../../assembly/arch/cpu";
import { spawnPinned, runExecutor, sleep, stoppedCores, Task, Context } from "../../assembly/kernel/exec";
import { SpinLock } from "../../assembly/kernel/sync";
import * as systimer from "../../assembly/drivers/systimer";

const spin = new SpinLock();
let woke: i32 = 0;              // sleepers done
let wokeOn: u32 = 0;            // the cores they finished on (a mask)
let alarmDone: i32 = 0;         // 1: by its interrupt, 2: not (the deadline seen by a poll)
let pinnedRanOn: i32 = -1;

/** Sleeps `ms` on the core it is pinned to (its sleep in that core's list). */
async function sleeper(ms: u64): Promise<void> {
  await sleep(ms);
  wokeOn |= 1 << coreId();
  woke++;
}

/** Waits for a system-timer match whose interrupt goes to core 2. */
class AlarmWait extends Task {
  alarm: systimer.Alarm | null = null;
  poll(cx: Context): bool {
    if (!this.alarm) this.alarm = new systimer.Alarm(3, systimer.now() + 150_000);
    if (!this.alarm!.poll(cx)) return false;
    alarmDone = this.alarm!.byInterrupt ? 1 : 2;
    return true;
  }
}

async function stopsCore2(): Promise<i32> {
  await sleep(20);
  spin.lock();                                  // held for ever: the trap below is not safe to go on from
  const a = new Array<i32>(2);
  return a[5];                                  // Index out of range
}

async function marker(): Promise<void> { pinnedRanOn = <i32>coreId(); }

function yes(b: bool): string { return b ? "yes" : "NO"; }

async function checks(): Promise<void> {
  systimer.enableInterrupts(2);
  for (let i = 0; i < 3; i++) spawnPinned(2, sleeper(60 + 20 * <u64>i));
  spawnPinned(2, new AlarmWait());
  spawnPinned(2, stopsCore2());
  for (let i = 0; i < 2000 && !(stoppedCores() & 4); i++) await sleep(1);
  println("core-stops: core 2 stopped: " + yes((stoppedCores() & 4) != 0));
  for (let i = 0; i < 2000 && woke < 3; i++) await sleep(1);
  for (let i = 0; i < 300 && alarmDone == 0; i++) await sleep(1);     // (raspi4b's QEMU sends the system timer's interrupt nowhere)
  println("core-stops: the sleepers of core 2 woke: " + woke.toString() + " of 3, on cores other than 2: " + yes(woke > 0 && (wokeOn & 4) == 0));
  println("core-stops: the alarm routed to core 2: " + (alarmDone == 1 ? "by its interrupt" : alarmDone == 2 ? "by a poll" : "never"));
  spawnPinned(2, marker());
  for (let i = 0; i < 2000 && pinnedRanOn < 0; i++) await sleep(1);
  println("core-stops: a task pinned to core 2 ran on core " + pinnedRanOn.toString());
  exit(woke == 3 && pinnedRanOn >= 0 && pinnedRanOn != 2 ? 0 : 1);
}

function main(): void { spawnPinned(0, checks()); runExecutor(); }

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
