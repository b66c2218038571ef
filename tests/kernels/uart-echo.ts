// Test kernel: the UART echo, driven by receive interrupts. Core 0 sets the
// baud rate from the mailbox's UART clock and opens the port with its
// interrupt routed to core 1; the echo task runs on core 2, so each byte
// goes: UART -> interrupt controller -> core 1's top half -> core 1's
// bottom half (ring) -> wake -> core 2's task -> UART. The test runner
// types the input; "quit" ends the run with the counts.
import { boot, ONLINE } from "../../assembly/kernel/boot";
import * as uart from "../../assembly/drivers/uart";
import { Task, Context, spawnOn, runExecutor } from "../../assembly/kernel/exec";
import { unhandledIrqs } from "../../assembly/kernel/irq";
import * as atomic from "../../assembly/arch/atomic";
import { exit } from "../../assembly/arch/sys";
import { print, println, printU64 } from "../../assembly/arch/console";

class Echo extends Task {
  step: i32 = 0;
  buf: StaticArray<u8>;
  read: uart.UartRead;
  write: uart.UartWrite;
  line: StaticArray<u8> = new StaticArray<u8>(8);
  tail: i32 = 0;
  constructor(public port: uart.Port) {
    super();
    const buf = new StaticArray<u8>(64);
    this.buf = buf;
    this.read = port.read(buf);
    this.write = port.write(buf, 0);
  }
  poll(cx: Context): bool {
    while (true) {
      if (this.step == 0) {
        if (!this.read.poll(cx)) return false;
        this.write.bytes = this.buf; this.write.length = this.read.length;
        this.write.reset();
        this.step = 1;
      }
      if (!this.write.poll(cx)) return false;
      const n = this.read.length;
      // Watch for "quit\n" across reads: keep the last bytes seen.
      for (let i = 0; i < n; i++) {
        const c = unchecked(this.buf[i]);
        if (this.tail == 8) { for (let k = 1; k < 8; k++) unchecked(this.line[k - 1] = this.line[k]); this.tail = 7; }
        unchecked(this.line[this.tail++] = c);
      }
      this.read.reset();
      this.step = 0;
      if (this.tail >= 5 && this.line[this.tail - 5] == 0x71 && this.line[this.tail - 4] == 0x75 && this.line[this.tail - 3] == 0x69
          && this.line[this.tail - 2] == 0x74 && this.line[this.tail - 1] == 0x0a) {
        print("echo: "); printU64(this.port.received); print(" bytes, "); printU64(this.port.interrupts);
        print(" interrupts on cores mask "); printU64(this.port.handledOn); print(", "); printU64(this.port.overruns); print(" overruns, "); printU64(unhandledIrqs()); println(" unhandled");
        exit(this.port.overruns);
      }
    }
  }
}

function main(): void {
  if (!uart.configure(115200)) { println("FAIL: no UART clock from the mailbox"); exit(1); }
  const port = uart.open(1);
  spawnOn(2, new Echo(port));
  println("echo: ready");
  runExecutor();
}

function worker(core: u32): void {
  runExecutor();
}

export function kernel_start(core: u32): void {
  boot(core, main, worker);
}
