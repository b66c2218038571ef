// Test kernel: the SPI driver (drivers/spi.ts) against QEMU's W25Q80 flash
// on SPI0 (tests/qemu/spi.test.ts attaches it). QEMU's SPI0 drives no chip
// select, so the flash's is GPIO 8 (CE0's pin), which the test links to it
// through QMP, then types "go". Each check is a line:
//   1. the JEDEC id (command 0x9F, three bytes back under one chip select);
//   2. a 256-byte page programmed at 0x1000 (write enable, page program,
//      status polled until the write ends) and read back (command 0x03);
//   3. the 4 KiB sector erased (0x20) and read back as all ones;
//   4. two tasks on cores 1 and 2 reading the id 50 times each through one
//      master: every id whole (a transfer of one inside the other's would
//      tear it).
import { boot } from "../../assembly/kernel/boot";
import { exit } from "../../assembly/arch/sys";
import { print, println } from "../../assembly/arch/console";
import { spawn, spawnJoinOn, runExecutor, sleep } from "../../assembly/kernel/exec";
import * as spi from "../../assembly/drivers/spi";
import { SpiError } from "../../assembly/drivers/spi";
import * as uart from "../../assembly/drivers/uart";

function bytes(list: u8[]): Uint8Array {
  const b = new Uint8Array(list.length);
  for (let i = 0; i < list.length; i++) b[i] = list[i];
  return b;
}

function hex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += (i ? " " : "") + (b[i] < 16 ? "0" : "") + (<u32>b[i]).toString(16);
  return s;
}

/** Waits for the flash's write to end: status register 1's WIP bit (0x05 reads it). */
async function waitWritten(flash: spi.SpiDevice): Promise<SpiError> {
  const status = new Uint8Array(1);
  for (let i = 0; i < 1000; i++) {
    const err = await flash.writeRead(bytes([0x05]), status);
    if (err != SpiError.None) return err;
    if (!(status[0] & 1)) return SpiError.None;
    await sleep(1);
  }
  return SpiError.Timeout;
}

async function ids(flash: spi.SpiDevice, n: i32): Promise<i32> {
  const id = new Uint8Array(3);
  let wrong = 0;
  for (let i = 0; i < n; i++) {
    const err = await flash.writeRead(bytes([0x9f]), id);
    if (err != SpiError.None || id[0] != 0xef) wrong++;
  }
  return wrong;
}

async function check(): Promise<void> {
  const master = spi.open(0);
  const flash = master.device(0, 10_000_000, 0, 8);
  uart.configure(115200);                               // (the receiver on: the stub set up only the sender)
  const port = uart.open(0);
  port.echo = false;
  println("spi: link the chip select");
  await port.readLine();
  let ok = true;
  // 1. id
  const id = new Uint8Array(3);
  let err = await flash.writeRead(bytes([0x9f]), id);
  println("spi: JEDEC id " + hex(id) + (err == SpiError.None ? "" : " (" + spi.errorName(err) + ")"));
  if (err != SpiError.None || id[0] != 0xef) ok = false;
  // 2. a page
  const page = new Uint8Array(4 + 256);
  page[0] = 0x02; page[1] = 0x00; page[2] = 0x10; page[3] = 0x00;
  for (let i = 0; i < 256; i++) page[4 + i] = <u8>(i * 5 + 1);
  err = await flash.write(bytes([0x06]));
  if (err == SpiError.None) err = await flash.write(page);
  if (err == SpiError.None) err = await waitWritten(flash);
  const back = new Uint8Array(256);
  if (err == SpiError.None) err = await flash.writeRead(bytes([0x03, 0x00, 0x10, 0x00]), back);
  let same = err == SpiError.None;
  for (let i = 0; i < 256; i++) if (back[i] != page[4 + i]) same = false;
  println("spi: a page programmed at 0x1000 and read back: " + (same ? "same" : "DIFFERENT (" + spi.errorName(err) + ")"));
  if (!same) ok = false;
  // 3. erase
  err = await flash.write(bytes([0x06]));
  if (err == SpiError.None) err = await flash.write(bytes([0x20, 0x00, 0x10, 0x00]));
  if (err == SpiError.None) err = await waitWritten(flash);
  if (err == SpiError.None) err = await flash.writeRead(bytes([0x03, 0x00, 0x10, 0x00]), back);
  let ones = err == SpiError.None;
  for (let i = 0; i < 256; i++) if (back[i] != 0xff) ones = false;
  println("spi: the sector erased: " + (ones ? "all ones" : "NOT ERASED"));
  if (!ones) ok = false;
  // 4. two cores
  const a = spawnJoinOn(1, ids(flash, 50)), b = spawnJoinOn(2, ids(flash, 50));
  const wrong = (await a) + (await b);
  println("spi: two cores, 50 id reads each: " + wrong.toString() + " wrong");
  if (wrong) ok = false;
  print("spi: transfers " + master.transfers.toString() + ", waits ended by the interrupt " + master.byInterrupt.toString());
  println(", by the timer " + master.byTimer.toString());
  println(ok ? "spi test: ok" : "spi test: FAILED");
  exit(ok ? 0 : 1);
}

// Core 0 runs an executor too: the UART's interrupt goes to it (uart.open(0)).
function main(): void { spawn(check()); runExecutor(); }

function worker(core: u32): void { runExecutor(); }

export function kernel_start(core: u32): void { boot(core, main, worker); }
