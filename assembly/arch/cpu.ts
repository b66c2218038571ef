// The core we run on and the cores around us (host module "cpu").
import { cpu as host } from "./host";
/** The most cores the kernel runs on: the length of every per-core table (tools/abi/spec.ts, for both sides). */
export { MAX_CORES } from "./host";

/** This core's number, 0 to coreCount()-1. */
export function coreId(): u32 { return host.id(); }
/** How many cores are running this kernel. */
export function coreCount(): u32 { return host.count(); }
/**
 * Waits until sendEvent() from another core, an interrupt, or spuriously: a
 * short wait for another core's next step (WFE). QEMU runs WFE as a no-op, so
 * there the core spins: a wait that may be long belongs in waitForWake().
 */
export function waitForEvent(): void { host.wfe(); }
/** Wakes every core in waitForWake() or waitForEvent(). */
export function sendEvent(): void { host.sev(); }
/**
 * Sleeps until sendEvent() from another core (one made since this core last
 * returned from here counts), an interrupt of this core's, or spuriously:
 * check the condition again after it. The core sleeps in WFI, under QEMU too;
 * the executor's idle loop waits here. Whoever makes the condition true must
 * call sendEvent() (a wake, a spawn and the collector do).
 */
export function waitForWake(): void { host.wfi(); }
/** The generic timer's counter, in ticks of timerFrequency(). */
export function counter(): u64 { return host.counter(); }
/** Instructions this core has retired (PMU); exact under QEMU -icount, 0 under plain QEMU. */
export function instructions(): u64 { return host.instructions(); }
/** Ticks per second of counter(); read it, never assume it. */
export function timerFrequency(): u64 { return host.frequency(); }
/** Bitmask of the cores whose kernel is running (a trapped core drops out). */
export function runningCores(): u32 { return host.running(); }
