// Hardware test: the first boot on a board, checked and reported in one
// step. It needs no wiring; it prints a report to paste into a bug report
// and ends with `selftest: PASS` or `selftest: FAIL: <the first failure>`.
// It also runs in QEMU on both machines in `make test`
// (tests/qemu/selftest.test.ts). See tests/hardware/README.md.
//
// What it checks, in order:
//   board    model, revision, SoC and RAM from the mailbox; RAM as the
//            stub took it (device tree, else mailbox); CNTFRQ
//   uart     the UART clock from the mailbox, the divisors the stub
//            programmed (it assumes 48 MHz: config.txt's init_uart_clock)
//            against the ones that clock needs, then re-programmed from it
//   irq      the interrupt controller, its mode and the read-back checks:
//            Pi 4: GICD_TYPER (security extensions), the EL1 timer's PPI 30
//            enabled on every core and a peripheral SPI (the UART's, 153)
//            enabled, each read back; Pi 3: each core's timer routing in the
//            BCM2836 local controller, read back
//   timer    on every core, the timer interrupt (cpu.setTimer, 20 ms)
//            arrives, never early, and the generic counter agrees with the
//            1 MHz system timer over that time (a wrong CNTFRQ shows here)
//   cores    all four online
//   led      where this model's activity LED is, and that on()/off() work
//   atomics  4 x 10,000 atomic adds and 4 x 10,000 increments under a
//            SpinLock on one shared word: exclusives across cores on
//            cacheable memory (they fail on memory that is not)
import { boot } from "../../assembly/kernel/boot";
import { cpu } from "../../assembly/arch/host";
import { coreCount, counter, timerFrequency, sendEvent, waitForEvent } from "../../assembly/arch/cpu";
import { memoryBytes, exit } from "../../assembly/arch/sys";
import * as atomic from "../../assembly/arch/atomic";
import { read32 } from "../../assembly/arch/mmio";
import { print, println, printU64, printHex } from "../../assembly/arch/console";
import { Board, currentBoard, boardName, irqController, IrqController, Irq } from "../../assembly/board";
import * as mailbox from "../../assembly/drivers/mailbox";
import { Clock } from "../../assembly/drivers/mailbox";
import * as uart from "../../assembly/drivers/uart";
import * as systimer from "../../assembly/drivers/systimer";
import * as led from "../../assembly/drivers/led";
import { SpinLock } from "../../assembly/kernel/sync/spinlock";

const SLEEP_MS: u64 = 20;
const ROUNDS: u32 = 10_000;

// Shared: the start flag, the cores done, the atomic counter, the locked
// counter, the lock word; per core, the timer results.
const START = memory.data(4, 4);
const DONE = memory.data(4, 4);
const ATOMIC_COUNT = memory.data(4, 4);
const LOCKED_COUNT = memory.data(4, 4);
const LOCK = memory.data(4, 4);
// Per core (32 bytes): fired, ppiEnabled, routing, pad; ticks (u64), systimer us (u64)
const RESULTS = memory.data(4 * 32, 8);

let failure: string = "";
function fail(what: string): void {
  if (failure.length == 0) failure = what;
  print("  FAIL: "); println(what);
}

const GICD: u32 = 0xff841000;
const GICD_CTLR: u32 = 0x000, GICD_TYPER: u32 = 0x004, GICD_ISENABLER: u32 = 0x100;
const LOCAL_TIMER_CTL: u32 = 0x40000040;

// A generic-counter reading and a system-timer reading taken together: the
// system timer is read before and after the counter, until both reads fall
// in the same 50 us (another core, or QEMU's scheduling, can come between
// two reads; on hardware the first try does). Under QEMU on a busy host every
// try can fail for a while (a system-timer read waits for QEMU's main loop):
// readPair then says so, and the two clocks are not compared (a pair taken
// 10 ms apart once made them "disagree" by 5 ms).
let pairCounter: u64 = 0;
let pairSystimer: u64 = 0;
function readPair(): bool {
  for (let tries = 0; tries < 1000; tries++) {
    const a = systimer.now();
    const t = counter();
    const b = systimer.now();
    pairCounter = t; pairSystimer = a + (b - a) / 2;
    if (b - a <= 50) return true;
  }
  return false;
}

/** What every core does, core 0 included: its timer, its controller's view, the shared counters. */
function checkCore(core: u32): void {
  const r = RESULTS + <usize>core * 32;
  // The timer interrupt of this core, measured against the system timer.
  const freq = timerFrequency();
  let together = readPair();
  const t0 = pairCounter, s0 = pairSystimer;
  cpu.setTimer(t0 + SLEEP_MS * freq / 1000);
  let fired = false;
  while (counter() - t0 < 2 * freq) {                  // bounded: 2 s
    if (cpu.events() & 1) { fired = true; break; }
    waitForEvent();
  }
  together = readPair() && together;
  const t1 = pairCounter, s1 = pairSystimer;
  cpu.setTimer(0);
  store<u32>(r, (fired ? 1 : 0) | (together ? 0 : 2));
  store<u64>(r, t1 - t0, 16);
  store<u64>(r, s1 - s0, 24);
  // The controller, as this core sees it (the GIC's PPI enables are banked per core).
  if (irqController(currentBoard()) == IrqController.Gic400) {
    store<u32>(r, (read32(GICD + GICD_ISENABLER) >> 30) & 1, 4);
  } else {
    store<u32>(r, read32(LOCAL_TIMER_CTL + core * 4), 8);
  }
  // Exclusives across cores: an atomic add, and a lock around a plain increment.
  const lock = changetype<SpinLock>(LOCK);
  for (let i: u32 = 0; i < ROUNDS; i++) {
    atomic.add32(ATOMIC_COUNT, 1);
    lock.lock();
    store<u32>(LOCKED_COUNT, load<u32>(LOCKED_COUNT) + 1);
    lock.unlock();
  }
  atomic.add32(DONE, 1);
  sendEvent();
}

function board(): u32 {
  const rev = mailbox.boardRevision();
  println("selftest: board");
  print("  cpu: "); println(boardName(currentBoard()));
  if (!rev) { fail("board: the mailbox gave no revision: " + mailbox.lastError()); return 0; }
  print("  model: "); print(mailbox.revisionModel(rev)); print(", revision "); printHex(rev);
  print(", "); print(mailbox.revisionSoc(rev)); print(", "); printU64(mailbox.revisionMemoryMB(rev)); println(" MB");
  const arm = mailbox.armMemoryBytes(), vc = mailbox.vcMemoryBytes();
  print("  ram: "); printU64(memoryBytes() >> 20); print(" MiB as the stub took it (device tree, else mailbox); mailbox: ARM ");
  printU64(arm >> 20); print(" MiB, VideoCore "); printU64(vc >> 20); println(" MiB");
  if (memoryBytes() == 0) fail("ram: the stub reports no RAM");
  if (arm == 0) fail("ram: the mailbox gave no ARM memory: " + mailbox.lastError());
  else if (<u64>arm > memoryBytes()) fail("ram: the mailbox gives the ARM more RAM than the stub maps");
  print("  cntfrq: "); printU64(timerFrequency()); println(" Hz");
  if (timerFrequency() == 0) fail("cntfrq: the generic timer's frequency is 0 (the firmware did not set CNTFRQ_EL0)");
  return rev;
}

function uartCheck(): void {
  println("selftest: uart");
  const b: u32 = (currentBoard() == Board.Pi4 ? 0xfe000000 : 0x3f000000) + 0x201000;
  const ibrd = read32(b + uart.IBRD), fbrd = read32(b + uart.FBRD);
  const clock = mailbox.clockRate(Clock.UART);
  print("  clock: "); printU64(clock); print(" Hz (mailbox); the stub programmed IBRD "); printU64(ibrd);
  print(" FBRD "); printU64(fbrd); println(" (115200 baud from 48 MHz)");
  if (!clock) { fail("uart: the mailbox gave no UART clock: " + mailbox.lastError()); return; }
  const d = uart.divisors(clock, 115200);
  if (d != ((ibrd << 6) | fbrd)) {
    print("  note: at "); printU64(clock); print(" Hz 115200 baud needs IBRD "); printU64(d >> 6); print(" FBRD "); printU64(d & 63);
    println(": the firmware did not use init_uart_clock=48000000 (config.txt); re-programming");
  }
  if (!uart.configure(115200, clock)) fail("uart: 115200 baud is out of reach of the UART clock");
  else { print("  now: IBRD "); printU64(read32(b + uart.IBRD)); print(" FBRD "); printU64(read32(b + uart.FBRD)); println(" (115200 8N1)"); }
}

function irqCheck(): void {
  println("selftest: irq");
  if (irqController(currentBoard()) == IrqController.Gic400) {
    const typer = read32(GICD + GICD_TYPER);
    print("  controller: GIC-400, GICD_CTLR "); printHex(read32(GICD + GICD_CTLR)); print(", GICD_TYPER "); printHex(typer);
    println((typer & (1 << 10)) ? " (security extensions: the firmware's GIC-mode stub must put interrupts in group 1)" : " (no security extensions)");
    // A peripheral interrupt: the UART's, enabled through the kernel's driver, read back.
    uart.open(0);
    const id: u32 = 96 + Irq.UART0;
    const on = (read32(GICD + GICD_ISENABLER + (id >> 5) * 4) >> (id & 31)) & 1;
    print("  SPI "); printU64(id); print(" (UART0) enable reads back "); printU64(on); println("");
    if (!on) fail("irq: the GIC ignored the enable of SPI 153: interrupts are in the secure group 0 (config.txt enable_gic=1? a device tree with an arm,gic-400 node?)");
  } else {
    println("  controller: BCM2836 local controller (timers) + BCM2835 ARM controller (peripherals), GPU interrupts to core 0");
    uart.open(0);
  }
}

function timersCheck(cores: u32): void {
  println("selftest: timer");
  const freq = timerFrequency();
  const gic = irqController(currentBoard()) == IrqController.Gic400;
  for (let c: u32 = 0; c < cores; c++) {
    const r = RESULTS + <usize>c * 32;
    const fired = (load<u32>(r) & 1) != 0, together = (load<u32>(r) & 2) == 0;
    const ticks = load<u64>(r, 16), sysUs = load<u64>(r, 24);
    const cntUs = ticks * 1_000_000 / freq;
    print("  core "); printU64(c); print(": "); print(fired ? "interrupt after " : "NO interrupt within 2 s; ");
    printU64(cntUs); print(" us by the generic timer, "); printU64(sysUs); print(" us by the system timer");
    if (gic) { print(", PPI 30 enable "); printU64(load<u32>(r, 4)); }
    else { print(", routing "); printHex(load<u32>(r, 8)); }
    println("");
    if (!fired) { fail("timer: core " + c.toString() + " got no timer interrupt within 2 s"); continue; }
    if (ticks < SLEEP_MS * freq / 1000) fail("timer: core " + c.toString() + "'s interrupt came early");
    // The two clocks over the same interval: within 2% and 2 ms (CNTFRQ right, both running).
    const diff = cntUs > sysUs ? cntUs - sysUs : sysUs - cntUs;
    if (!together) println("  core " + c.toString() + ": the two clocks could not be read within 50 us of each other (a busy host): not compared");
    else if (diff > 2000 + sysUs / 50) fail("timer: on core " + c.toString() + " the generic timer and the system timer disagree: is CNTFRQ_EL0 right?");
    if (gic && load<u32>(r, 4) == 0) fail("irq: core " + c.toString() + ": the GIC ignored the enable of PPI 30 (secure group 0)");
    // Bit 1 (CNTPNSIRQ): the kernel's timer; bit 3 (CNTVIRQ): the stub's watchdog tick (QA7 rev 3.4, "Core timers interrupt control").
    if (!gic && load<u32>(r, 8) != 0xa) fail("irq: core " + c.toString() + ": the local controller's timer routing did not read back 0xa (CNTPNSIRQ, CNTVIRQ)");
  }
}

function main(): void {
  const cores = coreCount();
  board();
  uartCheck();
  irqCheck();
  atomic.store32(START, 1);
  sendEvent();
  checkCore(0);
  while (atomic.load32(DONE) < cores) waitForEvent();
  timersCheck(cores);
  println("selftest: cores");
  print("  online: "); printU64(cores); println("");
  if (cores != 4) fail("cores: " + cores.toString() + " of 4 online");
  println("selftest: led");
  print("  activity LED: "); println(led.describe());
  if (led.on()) { led.off(); println("  on and off: ok"); }
  else { print("  on: "); println(led.lastError()); }   // a model without a known LED is not a failure
  println("selftest: atomics");
  const want = cores * ROUNDS;
  print("  atomic adds "); printU64(atomic.load32(ATOMIC_COUNT)); print(" of "); printU64(want);
  print(", locked increments "); printU64(atomic.load32(LOCKED_COUNT)); print(" of "); printU64(want); println("");
  if (atomic.load32(ATOMIC_COUNT) != want) fail("atomics: lost atomic adds across cores (exclusives on memory that is not cacheable?)");
  if (atomic.load32(LOCKED_COUNT) != want) fail("atomics: lost increments under a SpinLock");
  if (failure.length == 0) { println("selftest: PASS"); exit(0); }
  print("selftest: FAIL: "); println(failure);
  exit(1);
}

function worker(core: u32): void {
  let s = atomic.load32(START);
  while (s == 0) s = atomic.wait32(START, s);
  checkCore(core);
  while (true) waitForEvent();
}

export function kernel_start(core: u32): void {
  boot(core, main, worker);
}
