// Peripheral interrupts, the AssemblyScript bottom half. The C top half
// (boot/board/irq.c) masks each source it takes and records it for its core;
// the executor loop of that core sees EVENT_IRQ (cpu.events bit 1) and
// calls serviceIrqs(), which hands each source to the handler registered
// for it. A handler deals with its device (reads the data, clears the
// condition), wakes the tasks waiting for it, and enables the source again
// (drivers/irq.ts unmask).
//
// Handlers live in a table in shared memory, so any core may take the
// interrupt; register them with onIrq(source, handler) (make the handler
// with `new`; the table is one of the collector's roots, so a handler lives
// as long as it is registered).
import { irq as host } from "../arch/host";
import * as atomic from "../arch/atomic";
import { addRoots, markRef } from "./mem/gc";

export abstract class IrqHandler {
  /** Called on the core that took interrupt `source`, from its executor loop. */
  abstract handle(source: u32): void;
}

const HANDLERS = memory.data(64 * 4, 4);
/** Interrupts taken with no handler (they stay masked). */
const UNHANDLED = memory.data(4, 4);

/** Routes interrupt `source` (0-63) to `handler` (replacing any other). */
export function onIrq(source: u32, handler: IrqHandler): void {
  atomic.storeUnchecked32(HANDLERS + (source & 63) * 4, <u32>changetype<usize>(handler));   // rooted: markHandlers
}

/** Forgets the handler of `source`. */
export function offIrq(source: u32): void { atomic.store32(HANDLERS + (source & 63) * 4, 0); }

/** Runs the handlers of the interrupts this core took (the executor calls it on EVENT_IRQ). */
export function serviceIrqs(): void {
  let taken = host.take();
  while (taken) {
    const source = <u32>ctz(taken);
    taken &= taken - 1;
    const h = atomic.load32(HANDLERS + source * 4);
    if (h) changetype<IrqHandler>(<usize>h).handle(source);
    else atomic.add32(UNHANDLED, 1);
  }
}

/** How many interrupts came with no handler registered. */
export function unhandledIrqs(): u32 { return atomic.load32(UNHANDLED); }

// The collector's roots: the registered handlers (held in the table by address).
function markHandlers(): void {
  for (let i: usize = 0; i < 64; i++) markRef(<usize>atomic.load32(HANDLERS + i * 4));
}
addRoots(markHandlers);
