// Synchronisation between cores: see each file's header.
export { SpinLock } from "./spinlock";
export { TicketLock } from "./ticketlock";
export { Once, OnceCell } from "./once";
export { Atomic, AtomicRef } from "./atomic";
