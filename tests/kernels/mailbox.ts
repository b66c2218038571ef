// Test kernel: the mailbox property interface under QEMU: revision, memory
// split, clocks, serial; printed for the test to compare with the machine.
import { boot, idle } from "../../assembly/kernel/boot";
import * as mailbox from "../../assembly/drivers/mailbox";
import { Clock } from "../../assembly/drivers/mailbox";
import { exit } from "../../assembly/arch/sys";
import { print, println, printU64, printHex } from "../../assembly/arch/console";

function main(): void {
  const rev = mailbox.boardRevision();
  if (!rev) { println(mailbox.lastError()); exit(1); }
  print("mailbox: revision "); printHex(rev); print(": "); print(mailbox.revisionModel(rev)); print(", ");
  print(mailbox.revisionSoc(rev)); print(", "); printU64(mailbox.revisionMemoryMB(rev)); println(" MB");
  print("mailbox: ARM memory "); printU64(mailbox.armMemoryBytes() >> 20); print(" MiB, VideoCore memory ");
  printU64(mailbox.vcMemoryBytes() >> 20); println(" MiB");
  print("mailbox: UART clock "); printU64(mailbox.clockRate(Clock.UART)); print(" Hz, ARM clock ");
  printU64(mailbox.clockRate(Clock.ARM)); println(" Hz");
  print("mailbox: serial "); printHex(mailbox.boardSerial()); println("");
  const t = mailbox.temperature();
  if (t) { print("mailbox: temperature "); printU64(t / 1000); println(" C"); }
  else { print("mailbox: temperature: "); println(mailbox.lastError()); }
  println("mailbox test: done");
  exit(0);
}

export function kernel_start(core: u32): void {
  boot(core, main, idle);
}
