// Test kernel: randomness (drivers/rng.ts). Math.random() builds and runs
// (asc's seed import goes to rng.kernelSeed), gives numbers in [0, 1) that
// differ, and differs between cores (each seeds its own); the hardware
// generator where the board has one that answers (QEMU's raspi3b models the
// BCM2835's; its raspi4b lacks the RNG200, and the probe says so without a
// crash).
import { boot } from "../../assembly/kernel/boot";
import { exit } from "../../assembly/arch/sys";
import { println } from "../../assembly/arch/console";
import { spawnJoinOn, spawn, runExecutor } from "../../assembly/kernel/exec";
import * as rng from "../../assembly/drivers/rng";

/** Ten Math.random() values on this core: their sum's bits, as a fingerprint. */
async function fingerprint(): Promise<u64> {
  let h: u64 = 0;
  for (let i = 0; i < 10; i++) h = h * 31 + reinterpret<u64>(Math.random());
  return h;
}

async function check(): Promise<void> {
  let ok = true;
  const a = Math.random(), b = Math.random(), c = Math.random();
  const inRange = a >= 0 && a < 1 && b >= 0 && b < 1 && c >= 0 && c < 1;
  println("random: Math.random() " + (inRange ? "in [0, 1)" : "OUT OF RANGE") + ", " + (a != b && b != c ? "three different" : "REPEATS"));
  if (!inRange || a == b || b == c) ok = false;
  const on1 = await spawnJoinOn(1, fingerprint()), on2 = await spawnJoinOn(2, fingerprint());
  println("random: cores 1 and 2 " + (on1 != on2 ? "differ" : "GAVE THE SAME NUMBERS"));
  if (on1 == on2) ok = false;
  if (rng.available()) {
    const bytes = new Uint8Array(64);
    rng.fill(bytes);
    let zeros = 0, same = 0;
    for (let i = 0; i < 64; i++) { if (!bytes[i]) zeros++; if (i && bytes[i] == bytes[i - 1]) same++; }
    const w1 = rng.next(), w2 = rng.next();
    println("rng: hardware generator: 64 bytes, " + (zeros < 16 && same < 16 && w1 != w2 ? "varied" : "SUSPICIOUS"));
    if (zeros >= 16 || same >= 16 || w1 == w2) ok = false;
  } else {
    println("rng: no hardware generator answers here");
  }
  println(ok ? "random test: ok" : "random test: FAILED");
  exit(ok ? 0 : 1);
}

function main(): void { spawn(check()); }

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
