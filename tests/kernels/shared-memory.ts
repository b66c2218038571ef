// Test kernel: one memory for four cores. Core 0 writes 64 KiB of a pattern
// with plain stores and publishes it with one store-release; cores 1-3 wait
// for it (acquire), read it back and print a checksum. With per-core memory
// they would wait forever (the QEMU test's time-out) or read zeros.
import { boot } from "../../assembly/kernel/boot";
import * as atomic from "../../assembly/arch/atomic";
import { counter, timerFrequency } from "../../assembly/arch/cpu";
import { exit } from "../../assembly/arch/sys";
import { print, println, printU64, printHex } from "../../assembly/arch/console";

const BYTES: u32 = 65536;
const DATA = memory.data(65536, 16);
const READY = memory.data(4, 4);
const DONE = memory.data(4, 4);
const GOOD = memory.data(4, 4);

function pattern(i: u32): u32 { return i * 2654435761 ^ 0xa5a5a5a5; }

function checksum(): u32 {
  let sum: u32 = 0;
  for (let i: u32 = 0; i < BYTES; i += 4) sum = (sum << 5 | sum >> 27) ^ load<u32>(DATA + i);
  return sum;
}

function main(): void {
  for (let i: u32 = 0; i < BYTES; i += 4) store<u32>(DATA + i, pattern(i));
  print("core 0 wrote 65536 bytes, checksum ");
  printHex(checksum());
  println("");
  atomic.store32(READY, 1);
  let done = atomic.load32(DONE);
  while (done < 3) done = atomic.wait32(DONE, done);
  const good = atomic.load32(GOOD);
  print("readers that saw the pattern: ");
  printU64(good);
  println("");
  exit(good == 3 ? 0 : 1);
}

function reader(core: u32): void {
  // Bounded wait (2 s of the generic timer), so a failure is a message.
  const deadline = counter() + 2 * timerFrequency();
  while (atomic.load32(READY) == 0) {
    if (counter() > deadline) {
      print("core "); printU64(core); println(" never saw core 0's data");
      atomic.add32(DONE, 1);
      return;
    }
  }
  let wrong: u32 = 0;
  for (let i: u32 = 0; i < BYTES; i += 4) if (load<u32>(DATA + i) != pattern(i)) wrong++;
  print("core "); printU64(core); print(" read 65536 bytes, checksum "); printHex(checksum());
  print(", "); printU64(wrong); println(" words differ");
  if (!wrong) atomic.add32(GOOD, 1);
  atomic.add32(DONE, 1);
  while (true) atomic.wait32(READY, 1);
}

export function kernel_start(core: u32): void {
  boot(core, main, reader);
}
