// Test kernel: a trap ends the task, not the core (issue 25, point 2).
// Tasks on core 2 each sleep first; one then takes a lock and indexes past
// an array. Its panic line comes, and core 2 goes on: the others finish with
// their values, the one that trapped is `panicked` and its MutexGuard was
// released (a task on core 1 then takes the lock), and core 2 runs a task
// pinned to it afterwards. tests/qemu/exec.test.ts reads the lines.
import { boot } from "../../assembly/kernel/boot";
import { exit } from "../../assembly/arch/sys";
import { println } from "../../assembly/arch/console";
import { coreId } from "../../assembly/arch/cpu";
import { spawn, spawnJoinOn, spawnPinned, runExecutor, sleep, Mutex } from "../../assembly/kernel/exec";

const lock = new Mutex<i32>(0);
let trappedOn: i32 = -1;
let ranAfter: i32 = -1;

async function crashes(): Promise<i32> {
  await sleep(10);
  const guard = await lock.lock();
  trappedOn = <i32>coreId();
  const a = new Array<i32>(2);
  const v = a[5];                                 // Index out of range: a trap, with the guard held
  guard.unlock();
  return v;
}

async function value(n: i32, ms: u64): Promise<i32> {
  await sleep(ms);
  return n;
}

async function takesTheLock(): Promise<bool> {
  await sleep(60);
  const guard = await lock.lock();                // free again only if the trapped task's guard was released
  guard.unlock();
  return true;
}

async function marker(): Promise<void> {
  ranAfter = <i32>coreId();
}

function yes(b: bool): string { return b ? "yes" : "NO"; }

async function checks(): Promise<void> {
  const a = spawnJoinOn(2, crashes()), b = spawnJoinOn(2, value(2, 20)), c = spawnJoinOn(2, value(3, 30));
  const l = spawnJoinOn(1, takesTheLock());
  const two = await b, three = await c;
  println("trap-task: the others gave " + two.toString() + " and " + three.toString());
  await a;
  println("trap-task: the task that trapped is panicked: " + yes(a.panicked) + " (on core " + trappedOn.toString() + ")");
  const took = await l;
  println("trap-task: its lock was released: " + yes(took));
  spawnPinned(<u32>trappedOn, marker());
  for (let i = 0; i < 1000 && ranAfter < 0; i++) await sleep(1);
  println("trap-task: core " + trappedOn.toString() + " runs tasks after its trap: " + yes(ranAfter == trappedOn));
  exit(two == 2 && three == 3 && a.panicked && took && ranAfter == trappedOn ? 0 : 1);
}

function main(): void { spawn(checks()); runExecutor(); }

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
