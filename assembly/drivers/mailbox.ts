// The VideoCore mailbox's property interface: board revision and model,
// serial number, the ARM/VideoCore memory split, clock rates, temperature,
// and the firmware's GPIO expander (the Pi 3's activity LED).
//
//   const rev = mailbox.boardRevision();            // 0 if it failed:
//   if (!rev) println(mailbox.lastError());          // ... says why
//
// A request is one property message (Raspberry Pi firmware wiki,
// "Mailbox property interface"): words [size, code, tag, value-buffer size,
// request/response code, value..., 0]. It is built in a 64-byte-aligned
// per-core buffer in linear memory and sent by the host (mailbox.call),
// which cleans and invalidates the buffer in the data cache and hands the
// VideoCore its bus address. An answer is trusted only if the message's
// code is 0x80000000 (success) and the tag's response bit (bit 31) is set.
import { mailbox as host } from "../arch/host";
import { coreId, MAX_CORES } from "../arch/cpu";
import { modelName, processorName } from "../board";

export namespace Tag {
  export const BOARD_MODEL: u32 = 0x00010001;
  export const BOARD_REVISION: u32 = 0x00010002;
  export const BOARD_SERIAL: u32 = 0x00010004;
  export const ARM_MEMORY: u32 = 0x00010005;
  export const VC_MEMORY: u32 = 0x00010006;
  export const CLOCK_RATE: u32 = 0x00030002;
  export const MAX_CLOCK_RATE: u32 = 0x00030004;
  export const MIN_CLOCK_RATE: u32 = 0x00030007;
  export const SET_CLOCK_RATE: u32 = 0x00038002;
  export const TEMPERATURE: u32 = 0x00030006;
  export const MAX_TEMPERATURE: u32 = 0x0003000a;
  /** vcgencmd get_throttled's tag (documented with that command, not in the wiki). */
  export const THROTTLED: u32 = 0x00030046;
  export const SET_GPIO_STATE: u32 = 0x00038041;
  // The framebuffer (wiki, "Framebuffer"): a GET tag's SET twin is 0x00008000 above it.
  export const ALLOCATE_BUFFER: u32 = 0x00040001;
  export const RELEASE_BUFFER: u32 = 0x00048001;
  export const GET_PHYSICAL_SIZE: u32 = 0x00040003;
  export const SET_PHYSICAL_SIZE: u32 = 0x00048003;
  export const SET_VIRTUAL_SIZE: u32 = 0x00048004;
  export const SET_DEPTH: u32 = 0x00048005;
  export const SET_PIXEL_ORDER: u32 = 0x00048006;
  export const GET_PITCH: u32 = 0x00040008;
  export const SET_VIRTUAL_OFFSET: u32 = 0x00048009;
}

/** Clock ids for clockRate(). */
export namespace Clock {
  export const EMMC: u32 = 1;
  export const UART: u32 = 2;
  export const ARM: u32 = 3;
  export const CORE: u32 = 4;
}

const SLOT: u32 = 256;                                   // bytes per core: room for 6 value words and more
const BUFFERS = memory.data(MAX_CORES * SLOT, 64);
const ERRORS = memory.data(4 * MAX_CORES, 4);                    // per core: the last error, an index into WHY

const OK = 0, NO_ANSWER = 1, REFUSED = 2, TAG_UNANSWERED = 3, TOO_SHORT = 4, TOO_MANY = 5;

// @ts-ignore: decorator
@inline function buffer(): usize { return BUFFERS + <usize>(coreId() & (MAX_CORES - 1)) * SLOT; }

function fail(code: i32): bool {
  store<u32>(ERRORS + (coreId() & (MAX_CORES - 1)) * 4, code);
  return false;
}

/**
 * Sends one property request: `tag` with up to three request words,
 * room for `answerWords` words of answer. True when the firmware answered
 * it; read the answer with answer(i).
 */
export function request(tag: u32, answerWords: u32, in0: u32 = 0, in1: u32 = 0, in2: u32 = 0): bool {
  begin();
  const at = add(tag, max<u32>(answerWords, 3), in0, in1, in2);   // its value words: answer(i) reads them
  if (!send()) return false;
  const response = word(at - 1);
  if (!(response & 0x80000000)) return fail(TAG_UNANSWERED);
  if ((response & 0x7fffffff) < answerWords * 4) return fail(TOO_SHORT);
  return true;
}

// ---- a message of several tags ----------------------------------------------
// Some settings only hold together in one message: the framebuffer's size,
// depth and allocation are one request, or the firmware allocates for the
// settings it had (wiki, "Framebuffer": "…all in one message"). Build it on
// this core's buffer with begin() and add(), send() it, and read each tag's
// answer by the index add() gave:
//   mailbox.begin();
//   const size = mailbox.add(Tag.SET_PHYSICAL_SIZE, 2, 640, 480);
//   if (mailbox.send() && mailbox.answered(size)) width = mailbox.word(size);

/** Starts a message of several tags on this core's buffer. */
export function begin(): void { store<u32>(buffer(), 8); }

/**
 * Adds `tag` with `words` value words (room for request and answer), the
 * first ones `in0`..`in3`. Returns the index of its first value word, for
 * word() and answered(); -1 when the message has no room left (send() then fails).
 */
export function add(tag: u32, words: u32, in0: u32 = 0, in1: u32 = 0, in2: u32 = 0, in3: u32 = 0): i32 {
  const b = buffer();
  const at = load<u32>(b);
  if (at + 12 + words * 4 + 4 > SLOT) { store<u32>(b, SLOT + 1); return -1; }
  store<u32>(b + at, tag);
  store<u32>(b + at, words * 4, 4);
  store<u32>(b + at, 0, 8);
  for (let i: u32 = 0; i < words; i++) store<u32>(b + at + 12 + i * 4, 0);
  if (words > 0) store<u32>(b + at, in0, 12);
  if (words > 1) store<u32>(b + at, in1, 16);
  if (words > 2) store<u32>(b + at, in2, 20);
  if (words > 3) store<u32>(b + at, in3, 24);
  store<u32>(b, at + 12 + words * 4);
  return <i32>(at + 12) / 4;
}

/** Sends the message begin() and add() built; true when the firmware parsed it (each tag: answered()). */
export function send(): bool {
  const b = buffer();
  const at = load<u32>(b);
  if (at > SLOT - 4) return fail(TOO_MANY);
  store<u32>(b + at, 0);                                // end tag
  store<u32>(b, at + 4);                                // the size
  store<u32>(b, 0, 4);
  if (host.call(b) != 0) return fail(NO_ANSWER);
  if (load<u32>(b, 4) != 0x80000000) return fail(REFUSED);
  store<u32>(ERRORS + (coreId() & (MAX_CORES - 1)) * 4, OK);
  return true;
}

/** Whether the firmware answered the tag whose first value word is `index` (from add()). */
export function answered(index: i32): bool {
  return index >= 3 && (load<u32>(buffer() + <usize>(index - 1) * 4) & 0x80000000) != 0;
}

/** Word `index` of this core's buffer: an answer's value word, by add()'s index. */
export function word(index: i32): u32 { return load<u32>(buffer() + <usize>index * 4); }

/** Word `i` of the last answer on this core. */
export function answer(i: u32): u32 { return load<u32>(buffer() + 20 + i * 4); }

/** Why the last request on this core failed ("" if it did not). */
export function lastError(): string {
  switch (load<u32>(ERRORS + (coreId() & (MAX_CORES - 1)) * 4)) {
    case NO_ANSWER: return "mailbox: no answer from the VideoCore within 100 ms";
    case REFUSED: return "mailbox: the firmware could not parse the request (response code 0x80000001)";
    case TAG_UNANSWERED: return "mailbox: the firmware does not know this tag (no response bit)";
    case TOO_SHORT: return "mailbox: the firmware's answer is shorter than expected";
    case TOO_MANY: return "mailbox: the message's tags do not fit in 256 bytes";
    default: return "";
  }
}

/** The board revision code (0 on failure): decode it with revisionModel() and friends. */
export function boardRevision(): u32 { return request(Tag.BOARD_REVISION, 1) ? answer(0) : 0; }
/** The firmware's board model word (0 on failure; boardRevision() says more). */
export function boardModel(): u32 { return request(Tag.BOARD_MODEL, 1) ? answer(0) : 0; }
/** The board's serial number (0 on failure). */
export function boardSerial(): u64 { return request(Tag.BOARD_SERIAL, 2) ? (<u64>answer(1) << 32) | answer(0) : 0; }
/** Bytes of RAM the ARM has (from address armMemoryBase()); 0 on failure. */
export function armMemoryBytes(): u32 { return request(Tag.ARM_MEMORY, 2) ? answer(1) : 0; }
/** Bytes of RAM the VideoCore keeps; 0 on failure. */
export function vcMemoryBytes(): u32 { return request(Tag.VC_MEMORY, 2) ? answer(1) : 0; }
/** The rate of clock `id` (Clock.*) in Hz; 0 on failure. */
export function clockRate(id: u32): u32 { return request(Tag.CLOCK_RATE, 2, id) ? answer(1) : 0; }
/** The SoC's temperature in thousandths of a degree Celsius; 0 on failure (QEMU has no sensor). */
export function temperature(): u32 { return request(Tag.TEMPERATURE, 2, 0) ? answer(1) : 0; }
/** Sets pin `gpio` of the firmware's GPIO expander (128-135 on a Pi 3; 130 is the activity LED). */
export function setFirmwareGpio(gpio: u32, high: bool): bool { return request(Tag.SET_GPIO_STATE, 0, gpio, high ? 1 : 0); }   // nothing to read back

// New-style revision codes (bit 23 set): bits 0-3 revision, 4-11 type,
// 12-15 processor, 16-19 manufacturer, 20-22 memory size (256 MB << n)
// (Raspberry Pi documentation, "Raspberry Pi revision codes").
/** The model a revision code names, e.g. "Raspberry Pi 3 Model B". */
export function revisionModel(rev: u32): string {
  if (!(rev & (1 << 23))) return "an old-style revision (Raspberry Pi 1)";
  return modelName((rev >> 4) & 0xff);
}
/** The SoC a revision code names. */
export function revisionSoc(rev: u32): string { return processorName((rev >> 12) & 15); }
/** Megabytes of RAM a revision code says the board has. */
export function revisionMemoryMB(rev: u32): u32 { return (rev & (1 << 23)) ? 256 << ((rev >> 20) & 7) : 0; }
