// The screen: a framebuffer the firmware allocates, drawn through a canvas.
//
//   const s = screen.open();                 // the display's size; null if none: screen.lastError()
//   if (s) {
//     s.clear(0x102040);
//     s.text(8, 8, "hello", 0xffffff);
//     s.present();                           // what changed goes to the display
//   }
//
// The firmware sets the framebuffer up from one property message (Raspberry
// Pi firmware wiki, "Mailbox property interface", Framebuffer tags: physical
// and virtual size, virtual offset, depth, pixel order, allocate buffer,
// pitch). The buffer lies in the VideoCore's part of RAM, outside the
// kernel's linear memory: the host recorded it from the firmware's answer
// and lets the kernel reach it only through fb.write/read/fill, checked
// against it (docs/host-abi.md, module fb). Drawing happens in the canvas
// (gfx/canvas.ts), in linear memory, and present() copies the rectangle that
// changed: one host call, a memcpy per row.
//
// Double buffering (open(w, h, true)): the firmware is asked for a virtual
// framebuffer twice as tall; present() writes the hidden half and then
// shows it by the virtual offset, so the display never shows a half-copied
// frame. A firmware that refuses the taller buffer gives one page, and
// present() writes the shown one (`pages` says which it got).
//
// 32 bits per pixel only. The pixel order is asked for as BGR (0x00RRGGBB
// words, colours as written); a firmware that answers RGB is followed by
// swapping red and blue in each drawing call (Canvas.swapRB).
import { fb } from "../arch/host";
import * as mailbox from "./mailbox";
import { Tag } from "./mailbox";
import { Canvas } from "../gfx/canvas";

const DEPTH: u32 = 32;
const ORDER_BGR: u32 = 0, ORDER_RGB: u32 = 1;

export class Screen extends Canvas {
  /** Bytes from one framebuffer row to the next (the firmware's pitch, at least width * 4). */
  readonly framePitch: i32;
  /** 2 when double-buffered (present() flips), else 1. */
  readonly pages: i32;
  /** How many times present() copied something. */
  presents: u32 = 0;
  private shown: i32 = 0;
  // What the last present() wrote (to the other page, when double-buffered).
  private lastX0: i32 = 0;
  private lastY0: i32 = 0;
  private lastX1: i32 = 0;
  private lastY1: i32 = 0;

  constructor(width: i32, height: i32, framePitch: i32, pages: i32, rgb: bool) {
    super(width, height);
    this.framePitch = framePitch;
    this.pages = pages;
    this.swapRB = rgb;
    this.markDirty(0, 0, width, height);        // the first present() clears what the display held
  }

  /**
   * Copies what was drawn since the last present() to the display (when
   * double-buffered: to the hidden page, which it then shows).
   */
  present(): void {
    if (this.pages == 1) {
      if (!this.dirty) return;
      this.copy(0, this.dirtyX0, this.dirtyY0, this.dirtyX1, this.dirtyY1);
    } else {
      // The hidden page last got the frame before the shown one: it lacks
      // what changed for the shown one and what changed since.
      const x0 = this.dirtyX0, y0 = this.dirtyY0, x1 = this.dirtyX1, y1 = this.dirtyY1;
      const had = this.lastX0 < this.lastX1, has = x0 < x1;
      if (!had && !has) return;
      const back = 1 - this.shown;
      if (had && has) this.copy(back, min(x0, this.lastX0), min(y0, this.lastY0), max(x1, this.lastX1), max(y1, this.lastY1));
      else if (had) this.copy(back, this.lastX0, this.lastY0, this.lastX1, this.lastY1);
      else this.copy(back, x0, y0, x1, y1);
      mailbox.request(Tag.SET_VIRTUAL_OFFSET, 2, 0, <u32>(back * this.height));
      this.shown = back;
      this.lastX0 = x0; this.lastY0 = y0; this.lastX1 = x1; this.lastY1 = y1;
    }
    this.clean();
    this.presents++;
  }

  /** The page the display shows (0, or 1 when double-buffered). */
  get shownPage(): i32 { return this.shown; }

  /**
   * Reads back the rectangle (x, y, w, h) of the shown page into `into`
   * (w * h pixels, row by row, as the framebuffer holds them): what the
   * display shows. For checks and screenshots.
   */
  readBack(x: i32, y: i32, w: i32, h: i32, into: StaticArray<u32>): void {
    assert(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= this.width && y + h <= this.height && into.length >= w * h,
      "Screen.readBack: the rectangle must lie on the screen and fit `into`");
    const offset = (this.shown * this.height + y) * this.framePitch + x * 4;
    fb.read(<u32>offset, <u32>this.framePitch, changetype<usize>(into), <u32>w * 4, <u32>w * 4, <u32>h);
  }

  private copy(page: i32, x0: i32, y0: i32, x1: i32, y1: i32): void {
    const offset = (page * this.height + y0) * this.framePitch + x0 * 4;
    fb.write(<u32>offset, <u32>this.framePitch, this.data + <usize>y0 * this.pitch + <usize>x0 * 4,
      <u32>this.pitch, <u32>(x1 - x0) * 4, <u32>(y1 - y0));
  }
}

let opened: Screen | null = null;
let error = "";

/** Why the last open() gave null ("" if it did not). */
export function lastError(): string { return error; }

/** The screen open() gave, if any. */
export function current(): Screen | null { return opened; }

function refuse(why: string): Screen | null { error = "screen: " + why; return null; }

/**
 * Gives the framebuffer back to the firmware (the host closes its window:
 * fb.* are refused from here on) and forgets the screen: open() may then
 * ask for another size. Drawing on the old Screen still works; presenting it traps.
 */
export function close(): void {
  if (!opened) return;
  mailbox.request(Tag.RELEASE_BUFFER, 0);
  opened = null;
}

/**
 * Asks the firmware for a framebuffer of `width` x `height` pixels (0: the
 * size the display has now), 32 bits each, and gives the screen to draw
 * on, or null (lastError() says why). The firmware may answer another size
 * than the one asked for: the screen's width and height are what it gave.
 * A second open() gives the same screen, if the size fits.
 */
export function open(width: i32 = 0, height: i32 = 0, doubleBuffer: bool = false): Screen | null {
  const have = opened;
  if (have) {
    if ((width == 0 || width == have.width) && (height == 0 || height == have.height)) return have;
    return refuse("already open at " + have.width.toString() + "x" + have.height.toString() + "; the firmware keeps one framebuffer");
  }
  if (width < 0 || height < 0 || width > 4096 || height > 4096) return refuse("a size of " + width.toString() + "x" + height.toString() + " (1 to 4096 each, or 0 for the display's)");
  if (width == 0 || height == 0) {
    if (!mailbox.request(Tag.GET_PHYSICAL_SIZE, 2)) return refuse("the firmware did not say the display's size (" + mailbox.lastError() + ")");
    if (width == 0) width = <i32>mailbox.answer(0);
    if (height == 0) height = <i32>mailbox.answer(1);
    if (width <= 0 || height <= 0 || width > 4096 || height > 4096) return refuse("the firmware says the display is " + width.toString() + "x" + height.toString() + ": ask for a size");
  }
  const pages: u32 = doubleBuffer ? 2 : 1;
  mailbox.begin();
  const size = mailbox.add(Tag.SET_PHYSICAL_SIZE, 2, <u32>width, <u32>height);
  const virt = mailbox.add(Tag.SET_VIRTUAL_SIZE, 2, <u32>width, <u32>height * pages);
  mailbox.add(Tag.SET_VIRTUAL_OFFSET, 2, 0, 0);
  const depth = mailbox.add(Tag.SET_DEPTH, 1, DEPTH);
  const order = mailbox.add(Tag.SET_PIXEL_ORDER, 1, ORDER_BGR);
  const buffer = mailbox.add(Tag.ALLOCATE_BUFFER, 2, 4096);    // the alignment we ask for; answered: bus address, size
  const pitch = mailbox.add(Tag.GET_PITCH, 1);
  if (!mailbox.send()) return refuse("no framebuffer: " + mailbox.lastError());
  if (!mailbox.answered(buffer) || mailbox.word(buffer) == 0 || mailbox.word(buffer + 1) == 0)
    return refuse("the firmware allocated no framebuffer (is a display connected? QEMU always has one)");
  if (mailbox.answered(depth) && mailbox.word(depth) != DEPTH)
    return refuse("the firmware gave " + mailbox.word(depth).toString() + " bits per pixel; the screen draws 32");
  const w = mailbox.answered(size) ? <i32>mailbox.word(size) : width;
  const h = mailbox.answered(size) ? <i32>mailbox.word(size + 1) : height;
  const gotPages = mailbox.answered(virt) && mailbox.word(virt + 1) >= <u32>h * 2 && doubleBuffer ? 2 : 1;
  const rowBytes = mailbox.answered(pitch) ? <i32>mailbox.word(pitch) : w * 4;
  const rgb = mailbox.answered(order) && mailbox.word(order) == ORDER_RGB;
  const bytes = fb.bytes();
  if (bytes == 0) return refuse("the host took no framebuffer from the firmware's answer (it lies in an MMIO window or past 4 GiB)");
  if (rowBytes < w * 4 || <u64>rowBytes * h * gotPages > <u64>bytes)
    return refuse("the firmware's framebuffer (" + bytes.toString() + " bytes, pitch " + rowBytes.toString() + ") is too small for " + w.toString() + "x" + h.toString());
  const s = new Screen(w, h, rowBytes, gotPages, rgb);
  opened = s;
  error = "";
  return s;
}
