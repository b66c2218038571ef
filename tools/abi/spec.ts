// The host ABI: every function kernel.wasm may import from the boot stub.
// This file is the single description; `make abi` generates from it
// assembly/arch/host.ts (the AssemblyScript declarations), build/gen/abi_link.c
// (the C link table wasm3 uses) and docs/host-abi.md. A C function named
// h_<module>_<name> must exist for every entry, or the image does not link.

// 2: the shared linear memory; module "atomic" added; cpu.tally removed
// (an atomic counter in shared memory does its job); cpu.instructions.
// 3: cpu.setTimer and cpu.events (the timer interrupt).
// 4: peripheral interrupts (cpu.events bit 1, module "irq") and the
// mailbox property interface (module "mailbox").
// 5: console.echo (typed bytes sent at once, between other cores' whole lines).
// 6: module "queue" (the executor's run queues: a push or a pop in one call).
// 7: mmio.probe32 (a read the bus may refuse: a block QEMU lacks).
// 8: module "fb" (the framebuffer the firmware allocated: checked copies);
// module "dma" (the DMA controller, which mmio.write32 now refuses).
// 9: dma.spi and dma.paced (SPI0 transfers paced by the block's DREQs).
// 10: sys.recoverable and sys.trapped (a trap ends the task, not the core).
// 11: cpu.watch and cpu.wakeAt, cpu.events bit 2 (the watchdog and the
// hand-over of a stopped or stuck core's work); irq.take also gives theirs;
// cpu.irqStamp (the interrupt-to-poll latency).
// 12: queue.popFor (a stuck core's own queue gives up the tasks that may
// run elsewhere).
export const ABI_VERSION = 12;

/**
 * The most cores the stub runs a kernel on, and so the length of every
 * per-core table on both sides (the stub's stacks and runtimes, the
 * kernel's run queues, caches and scratch). A power of two: tables are
 * indexed with `core & (MAX_CORES - 1)`.
 */
export const MAX_CORES = 4;

/** AssemblyScript type of a parameter or result; each maps to one wasm type. */
export type AbiType = "i32" | "u32" | "i64" | "u64" | "usize" | "void";

export interface AbiParam {
  name: string;
  type: Exclude<AbiType, "void">;
}

export interface AbiFunction {
  name: string;
  params: AbiParam[];
  result: AbiType;
  /** What it does, for the docs and the generated declaration. */
  doc: string;
  /** What the host refuses (a trap), if anything. */
  refuses?: string;
}

export interface AbiModule {
  module: string;
  doc: string;
  functions: AbiFunction[];
}

const p = (name: string, type: AbiParam["type"]): AbiParam => ({ name, type });

export const ABI: AbiModule[] = [
  {
    module: "console",
    doc: "Early output for boot messages and panics. Output is line-buffered per core: a line is written to the UART whole, so lines from different cores never mix.",
    functions: [
      {
        name: "write", params: [p("ptr", "usize"), p("units", "i32")], result: "void",
        doc: "Writes `units` UTF-16 code units at `ptr` (an AssemblyScript string) as UTF-8.",
        refuses: "a range that runs past the end of linear memory",
      },
      { name: "putc", params: [p("byte", "u32")], result: "void", doc: "Writes one raw byte (the low 8 bits)." },
      {
        name: "echo", params: [p("ptr", "usize"), p("length", "i32")], result: "void",
        doc: "Sends `length` raw bytes at `ptr` (LF goes out as CR LF) to the UART at once: this core's unfinished line first, then the bytes, under the console's lock, so they never land inside another core's line; while the echoed line is open (no LF yet), another core's next line starts on a new row. For echoing what a user types (uart.ReadLine).",
        refuses: "a range that runs past the end of linear memory",
      },
    ],
  },
  {
    module: "cpu",
    doc: "The core this code runs on, the other cores, events and the generic timer.",
    functions: [
      { name: "id", params: [], result: "u32", doc: "This core's number, 0 to count()-1." },
      { name: "count", params: [], result: "u32", doc: "How many cores were started (4 on every supported board, fewer if one failed to start)." },
      { name: "wfe", params: [], result: "void", doc: "Waits for an event (WFE): returns after an SEV from any core, an interrupt, or spuriously. Always re-check the condition. QEMU's multi-threaded TCG runs WFE as a no-op (the core spins): a wait that may be long belongs in wfi()." },
      { name: "sev", params: [], result: "void", doc: "Wakes every core waiting in wfi() or wfe(): DSB, the wake interrupt to each core asleep in wfi(), then SEV." },
      { name: "wfi", params: [], result: "void", doc: "Sleeps until an sev() from another core since this core last returned from here, an interrupt of this core's, or spuriously: always re-check the condition. The core sleeps in WFI, which stops it under QEMU too (WFE does not), and sev() raises a wake interrupt on each core asleep here (boot/board/wake.c: no wake is lost between the check and the sleep)." },
      { name: "counter", params: [], result: "u64", doc: "The generic timer's counter (CNTPCT_EL0)." },
      { name: "frequency", params: [], result: "u64", doc: "The counter's frequency in Hz (CNTFRQ_EL0): 19.2 MHz on a Pi 3, 54 MHz on a Pi 4, 62.5 MHz under QEMU. Never assume one." },
      { name: "instructions", params: [], result: "u64", doc: "Instructions this core has retired (PMU event 0x08, PMEVCNTR0_EL0). Exact and repeatable under QEMU with `-icount`, where it is the benchmarks' clock; QEMU without -icount reads 0." },
      { name: "setTimer", params: [p("deadline", "u64")], result: "void", doc: "Arms this core's timer interrupt for when counter() reaches `deadline` (CNTP_CVAL_EL0; one deadline per core, a new one replaces the old); 0 turns it off. When it fires, the interrupt's top half records EVENT_TIMER (1) for this core and SEVs; the interrupt ends a wfi() or a wfe()." },
      { name: "events", params: [], result: "u32", doc: "The events the interrupt top half recorded for this core since the last call (bit 0: the timer deadline passed; bit 1: a peripheral interrupt was taken, see irq.take; bit 2: a core that stopped or is stuck (cpu.watch's state word) had its timer fire, or just became one: fire its timer list), and clears them." },
      { name: "running", params: [], result: "u32", doc: "Bitmask of the cores whose kernel is running: a bit is set when the core enters kernel_start and cleared when its kernel traps or returns." },
      {
        name: "watch", params: [p("task", "usize"), p("polls", "usize"), p("state", "usize"), p("handoverMs", "u32"), p("reportMs", "u32")], result: "void",
        doc: "Starts the stub's watchdog on this core (boot/wasm/host_watch.c). `task` is the 32-bit word where this core's executor keeps the task it polls (0 between polls), `polls` its poll counter: the stub only reads them. A tick every handoverMs / 2 (the core's virtual timer, paused while it sleeps in wfi) that sees the same task and count twice after the first declares the core stuck: the stub then writes bit 8 + core in the state word (the same word for every core; bits 0-7 are the cores whose kernel stopped, trapped out or returned) and sends what the core's interrupts bring to the others (bit 2 of their events for its timer, irq.take for its peripherals) until the poll returns. After reportMs of the same poll (0: never) the console says which task, in which async function, and that its work went elsewhere; and `back:` when it returns. With a push under way the tick takes a wasm3 core back from inside the interpreter. handoverMs 0: no watchdog on this core.",
        refuses: "a word not 4-byte aligned or outside the memory; handoverMs other than 0 or 2 to 60,000; reportMs over 600,000",
      },
      {
        name: "irqStamp", params: [p("core", "u32"), p("kind", "u32")], result: "u64",
        doc: "The instruction counter (as cpu.instructions, but `core`'s own PMU) when `core` last took its timer interrupt (kind 0), raised the wake interrupt on another core (1) or took the wake interrupt (2), read first thing in the top half; 0 if never. With cpu.instructions() at the start of a poll on that core, the interrupt-to-poll latency (make bench). The counters of two cores start at different times: subtract only one core's stamps from its own.",
        refuses: "a core over the table's size (MAX_CORES), a kind over 2",
      },
      {
        name: "wakeAt", params: [p("core", "u32"), p("deadline", "u64")], result: "void",
        doc: "Makes `core`'s timer interrupt come no later than `deadline` (counter ticks): for a timer list another core served (a stopped or stuck core's). The wake interrupt carries it there; the core's own setTimer later replaces it as usual.",
        refuses: "a core over the table's size (MAX_CORES)",
      },
    ],
  },
  {
    module: "queue",
    doc: "The executor's run queues (kernel/exec/executor.ts), each a push or a pop in one host call instead of four (lock, the list, unlock). A queue is 16 bytes of shared memory: +0 its lock word (the same SpinLock protocol as kernel/sync/spinlock.ts: 0 free, 1 held, taken with an exchange, waited for with WFE), +4 the first task, +8 the last, +12 the length; a task links to the next through the 32-bit word at `next` bytes into it. Every address (the queue, each task it touches) is checked against the memory before it is used.",
    functions: [
      {
        name: "push", params: [p("queue", "usize"), p("task", "usize"), p("next", "u32")], result: "u32",
        doc: "Appends `task` at the tail (its link cleared first) under the queue's lock; returns the new length.",
        refuses: "a queue, a task or a link that is not 4-byte aligned or runs past the end of memory",
      },
      {
        name: "pop", params: [p("queue", "usize"), p("next", "u32")], result: "usize",
        doc: "Takes the task at the head under the queue's lock and returns it, or 0 if the queue is empty.",
        refuses: "a queue, a task or a link that is not 4-byte aligned or runs past the end of memory",
      },
      {
        name: "popFor", params: [p("queue", "usize"), p("next", "u32"), p("word", "u32"), p("bits", "u32")], result: "usize",
        doc: "Takes the first task whose 32-bit word at `word` bytes into it has one of `bits` set, under the queue's lock, and returns it (the others keep their order), or 0 if none has. The executor's steal from the own queue of a core stuck in a poll: the tasks whose affinity lets them run on the stealing core, not those pinned to the stuck one.",
        refuses: "a queue, a task, a link or a word that is not 4-byte aligned or runs past the end of memory",
      },
    ],
  },
  {
    module: "atomic",
    doc: "Atomic operations on the linear memory that the four cores share (wasm3 has no atomic opcodes). Addresses are wasm addresses and must be naturally aligned (4 bytes for the 32-bit forms, 8 for the 64-bit ones). Read-modify-write operations are sequentially consistent; loads are acquire, stores release. On the Cortex-A53/A72 (ARMv8.0, no LSE) they are LDAXR/STLXR loops. `arch/atomic.ts` is the AssemblyScript face of this module.",
    functions: [
      ...(["32", "64"] as const).flatMap((w) => {
        const t = w === "32" ? "u32" : "u64";
        const r = `an address that is not ${w === "32" ? 4 : 8}-byte aligned or runs past the end of memory`;
        return [
          { name: `load${w}`, params: [p("ptr", "usize")], result: t, doc: `Load-acquire of the ${w}-bit word at \`ptr\`.`, refuses: r },
          { name: `store${w}`, params: [p("ptr", "usize"), p("value", t)], result: "void", doc: `Store-release of \`value\` to the ${w}-bit word at \`ptr\`.`, refuses: r },
          { name: `add${w}`, params: [p("ptr", "usize"), p("delta", t)], result: t, doc: "Adds `delta` (wrapping) and returns the previous value.", refuses: r },
          { name: `xchg${w}`, params: [p("ptr", "usize"), p("value", t)], result: t, doc: "Stores `value` and returns the previous value.", refuses: r },
          { name: `cas${w}`, params: [p("ptr", "usize"), p("expected", t), p("desired", t)], result: t, doc: "Compare-and-swap: stores `desired` if the word holds `expected`. Returns the value it found (equal to `expected` exactly when the swap happened).", refuses: r },
        ] satisfies AbiFunction[];
      }),
      { name: "and32", params: [p("ptr", "usize"), p("mask", "u32")], result: "u32", doc: "Bitwise AND with `mask`; returns the previous value.", refuses: "as load32" },
      { name: "or32", params: [p("ptr", "usize"), p("mask", "u32")], result: "u32", doc: "Bitwise OR with `mask`; returns the previous value.", refuses: "as load32" },
      { name: "fence", params: [], result: "void", doc: "Full memory barrier (DMB ISH): every access before it is seen by all cores before any access after it." },
      {
        name: "wait32", params: [p("ptr", "usize"), p("expected", "u32")], result: "u32",
        doc: "Sleeps (WFE on the exclusive monitor) while the 32-bit word at `ptr` holds `expected`; returns the new value. Another core's store to the word wakes it; no SEV is needed. For spinlocks and flags: there is no time-out.",
        refuses: "as load32",
      },
    ],
  },
  {
    module: "mmio",
    doc: "32-bit access to the board's peripherals, ordered with a DMB. The only way the kernel reaches hardware.",
    functions: [
      {
        name: "read32", params: [p("addr", "u32")], result: "u32", doc: "Reads the register at physical address `addr`.",
        refuses: "an address outside the board's peripheral windows (Pi 3: 0x3F000000-0x3FFFFFFF, 0x40000000-0x4003FFFF; Pi 4: 0xFE000000-0xFF7FFFFF, 0xFF800000-0xFF84FFFF) or not 4-byte aligned; a read the bus refuses (a synchronous data abort: no block answers there, as QEMU's raspi4b for the RNG200), which traps with the address instead of stopping the stub",
      },
      {
        name: "write32", params: [p("addr", "u32"), p("value", "u32")], result: "void", doc: "Writes `value` to the register at physical address `addr`.",
        refuses: "the same addresses as read32, a write the bus refuses as read32 says (on a board a write to an absent block may instead be lost, or come back later as an asynchronous SError, which the stub reports as its own crash), and the DMA controller's registers (peripheral base + 0x7000-0x7FFF and + 0xE05000: an engine writes past the MMU, so only module dma programs it)",
      },
      {
        name: "probe32", params: [p("addr", "u32")], result: "i64",
        doc: "Reads the register at `addr` as read32 does, or gives -1 when the bus refuses the read (a synchronous external abort: no block answers there, as QEMU's raspi4b for the RNG200 at 0xFE104000). For a driver that must find out whether its block exists; every other access is read32's.",
        refuses: "the same addresses as read32",
      },
    ],
  },
  {
    module: "irq",
    doc: "Peripheral interrupts (numbered as the VideoCore numbers them, 0-63, on both boards: GPIO 49-52, UART 57, system timer 0-3). The kernel's drivers enable and route a source at the interrupt controller themselves (mmio: the BCM2835 ARM controller and the BCM2836 local controller's GPU routing on a Pi 3, the GIC-400 distributor on a Pi 4, SPI 96 + n). When one fires, the C top half masks that source at the controller (so a level interrupt cannot fire again), acknowledges it, records it for the core that took it, sets EVENT_IRQ (cpu.events bit 1) and SEVs. The driver's bottom half deals with the device and enables the source again.",
    functions: [
      { name: "take", params: [], result: "u64", doc: "The sources (bit n = interrupt n) the top half took on this core since the last call, and those a stopped or stuck core took (cpu.watch), and clears them. Each is masked at the controller until the driver enables it again." },
    ],
  },
  {
    module: "mailbox",
    doc: "The VideoCore mailbox's property channel: board revision, memory split, clocks, temperature, the firmware's GPIO expander.",
    functions: [
      {
        name: "call", params: [p("buffer", "usize")], result: "u32",
        doc: "Sends the property message at `buffer` (16-byte aligned; its first word is its size in bytes, at most 1024) on channel 8 and waits up to 100 ms for the answer, which the firmware writes into the same buffer. The host cleans the buffer out of the data cache before and invalidates it after, and gives the VideoCore its bus address (physical | 0xC0000000). Returns 0 when an answer came back (check its response code, word 1: 0x80000000 is success), 1 when none came in time.",
        refuses: "a buffer that is not 16-byte aligned, runs past the end of linear memory, or declares a size under 12 or over 1024 bytes",
      },
    ],
  },
  {
    module: "fb",
    doc: "The framebuffer: memory the firmware allocates outside linear memory and outside the MMIO windows, which the kernel reaches only through these checked copies. The host learns the framebuffer from the firmware itself: when a mailbox.call's answer holds an answered allocate-buffer tag (0x00040001), the host records its base (bus address & 0x3FFFFFFF) and size as the window, and maps it into the stub's tables as Normal non-cacheable memory (so a copy needs no cache maintenance and the display sees it at once); a release-buffer tag (0x00048001) closes the window. Offsets are bytes from the window's start; a rectangle is `rows` rows of `rowBytes` bytes, `pitch` bytes apart.",
    functions: [
      { name: "bytes", params: [], result: "u32", doc: "The size of the window in bytes: 0 while the firmware has allocated no framebuffer." },
      {
        name: "write", params: [p("offset", "u32"), p("pitch", "u32"), p("src", "usize"), p("srcPitch", "u32"), p("rowBytes", "u32"), p("rows", "u32")], result: "void",
        doc: "Copies a rectangle from linear memory (`rows` rows of `rowBytes` bytes at `src`, `srcPitch` apart) to the framebuffer at `offset` (rows `pitch` apart).",
        refuses: "a rectangle that runs past the end of linear memory or of the window, or no window",
      },
      {
        name: "read", params: [p("offset", "u32"), p("pitch", "u32"), p("dst", "usize"), p("dstPitch", "u32"), p("rowBytes", "u32"), p("rows", "u32")], result: "void",
        doc: "Copies a rectangle from the framebuffer at `offset` (rows `pitch` apart) to linear memory at `dst` (rows `dstPitch` apart): what the display shows, for a screenshot or a check.",
        refuses: "as write",
      },
      {
        name: "fill", params: [p("offset", "u32"), p("pitch", "u32"), p("rowBytes", "u32"), p("rows", "u32"), p("value", "u32")], result: "void",
        doc: "Fills a rectangle of the framebuffer with the 32-bit `value` (a 32-bit pixel; `offset`, `pitch` and `rowBytes` are multiples of 4).",
        refuses: "as write, and an offset, pitch or rowBytes that is not a multiple of 4",
      },
    ],
  },
  {
    module: "dma",
    doc: "Memory-to-memory copies, and SPI0 transfers paced by DREQ, by the DMA controller's full channels (BCM2835 ARM Peripherals §4; the BCM2711's legacy channels), which the host programs itself: it builds each control block from ranges it checks against linear memory, so no transfer reaches outside it. The host does the cache maintenance the engine needs (the source cleaned before, the destination cleaned and invalidated before and invalidated at the end) and copies the destination's partial first and last cache lines itself at the start: the engine moves whole lines only. A transfer with no whole line is done by the host at once.",
    functions: [
      { name: "channels", params: [], result: "u32", doc: "The channels the firmware leaves the ARM (property tag 0x00060001), full channels (0-6) only, as a bitmask; 0 when there are none." },
      {
        name: "start", params: [p("channel", "u32"), p("dst", "usize"), p("src", "usize"), p("bytes", "u32")], result: "void",
        doc: "Starts copying `bytes` bytes from `src` to `dst` on `channel`, and returns at once; dma.status says when it has ended. The ranges must not change (src) or be read (dst) until then.",
        refuses: "a channel not in channels() or still running a transfer, a range that runs past the end of linear memory, overlapping ranges, 0 bytes or more than 1 GiB",
      },
      {
        name: "status", params: [p("channel", "u32")], result: "u32",
        doc: "0 while the channel's transfer runs; 1 when it has ended (or none was started), the destination then readable; 2 when the engine stopped on an error, with the DEBUG register's error bits (read-last-not-set, FIFO, read error) in bits 8-10. Either end leaves the channel free.",
        refuses: "a channel not in channels()",
      },
      {
        name: "stop", params: [p("channel", "u32")], result: "void",
        doc: "Stops the channel's transfer where it is (CS.RESET) and frees the channel: the destination then holds part of the copy. For a cancelled copy. For a dma.spi transfer, either of its channels stops both.",
        refuses: "a channel not in channels()",
      },
      { name: "paced", params: [], result: "u32", doc: "1 when the engine paces a transfer by a peripheral's DREQ, as the silicon does; 0 under QEMU, whose DMA runs every control block at once and whose SPI has no DMA mode (told by the firmware's revision, tag 0x00000001: the real firmware's is its build time, QEMU's the constant 346337). dma.spi is for the first case only." },
      {
        name: "spi", params: [p("tx", "u32"), p("rx", "u32"), p("spi", "u32"), p("out", "usize"), p("outBytes", "u32"), p("into", "usize"), p("skip", "u32"), p("total", "u32")], result: "void",
        doc: "Starts an SPI transfer of `total` bytes on two channels paced by the block's DREQs (BCM2835 ARM Peripherals 10.6.3: the FIFO taken in 32-bit words of four bytes). The kernel has already written the block's DLEN (`total`) and CS (TA and DMAEN). Channel `tx` feeds the TX FIFO the `outBytes` bytes at `out`, then zeros; channel `rx` drops the first `skip` bytes received and writes the rest to `into` (none kept when `into` is 0). The host cleans `out`, sends `into`'s partial first and last cache lines through lines of its own and copies them into place at the end. dma.status(rx) says when it has ended (either channel answers for both); the ranges must not change or be read until then.",
        refuses: "a channel not in channels(), the same channel twice, or one still running; SPI other than 0; 0 or over 65,532 bytes; `skip` not a multiple of 4 or over `total`; `outBytes` over `total`, or not a multiple of 4 when under it; `out` or `into` not 4-byte aligned; a range that runs past the end of linear memory",
      },
    ],
  },
  {
    module: "sys",
    doc: "Panic, exit and the machine's identity.",
    functions: [
      {
        name: "panic",
        params: [p("msg", "usize"), p("msgUnits", "i32"), p("file", "usize"), p("fileUnits", "i32"), p("line", "u32"), p("column", "u32")],
        result: "void",
        doc: "Prints `panic: core N: <msg> at <file>:<line>:<column>` (strings as UTF-16 pointer and length; the location is left out when fileUnits is 0) and stops the kernel on this core, which parks. Never returns. AssemblyScript's `abort` (assert, throw, bounds checks) ends here.",
      },
      { name: "exit", params: [p("code", "i32")], result: "void", doc: "Ends the run with `code`: under QEMU with -semihosting, QEMU exits with it (the tests' pass/fail); on a board it is printed and this core parks. Never returns." },
      { name: "board", params: [], result: "u32", doc: "The board: 1 = Raspberry Pi 3 (BCM2837), 2 = Raspberry Pi 4 (BCM2711)." },
      { name: "memoryBytes", params: [], result: "u64", doc: "RAM the ARM cores have, in bytes: the sum of the device tree's /memory ranges when the firmware (or QEMU's -dtb) passed one, else what the firmware's mailbox says the ARM has (tag 0x00010005). Never an assumed size: the stub stops at boot when neither answers." },
      { name: "abiVersion", params: [], result: "u32", doc: "The version of this ABI the stub implements." },
      { name: "recoverable", params: [p("on", "u32")], result: "void", doc: "Says whether a trap on this core from now on may be recovered from (1) or stops the core (0, the start). After a trap on a recoverable core the stub prints the panic line as always, then calls kernel_start(core) again, on the same runtime, with sys.trapped() 1: the library's boot() then ends the task that trapped and goes on with the core's executor loop, or returns (the core then stops) where that is not safe. The flag goes back to 0 at each trap." },
      { name: "trapped", params: [], result: "u32", doc: "1 when this call of kernel_start follows a trap on this core (sys.recoverable), else 0." },
    ],
  },
];

/** The wasm value type of an ABI type. */
export function wasmType(t: AbiType): "i32" | "i64" | null {
  if (t === "void") return null;
  return t === "i64" || t === "u64" ? "i64" : "i32";
}

/** wasm3's signature string, e.g. "v(ii)". */
export function m3Signature(f: AbiFunction): string {
  const letter = (t: AbiType): string => (t === "void" ? "v" : wasmType(t) === "i64" ? "I" : "i");
  return `${letter(f.result)}(${f.params.map((x) => letter(x.type)).join("")})`;
}

/** The C function that implements an import. */
export function cName(m: AbiModule, f: AbiFunction): string {
  return `h_${m.module}_${f.name.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase())}`;
}
