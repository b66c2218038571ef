// The display: the framebuffer the firmware allocates when the kernel asks
// for one through the mailbox's property channel (Raspberry Pi firmware
// wiki, "Mailbox property interface", Framebuffer tags 0x0004xxxx get,
// 0x0004(4|8)xxx test and set), and module fb of the host ABI, the only way
// the kernel reaches it (docs/host-abi.md: checked copies into a window the
// host learned from the firmware's answer to the allocate tag).
//
// Its geometry is shared state (touched under the bus lock, as a model's
// registers); its pixels are a region of the simulator's shared buffer
// (state.ts: SimState.fb) that every core writes and the controlling thread
// reads (pi.screen, the page's canvas). No lock for the pixels: on a board
// the display scans out whatever the cores are writing, too.
//
// The largest buffer it allocates (pitch x virtual height) is FB_BYTES,
// 8 MiB: two pages of 1280 x 800.
//
// What the firmware does and this model does too: a physical (display)
// size the kernel may set, a virtual size at least as large, a virtual
// offset within it (double buffering flips with it), a pitch of the virtual
// width's bytes, and one buffer whose bus address lies in the VideoCore's
// part of RAM (0xC0000000 | address, as the firmware gives it, uncached).
// What it does not: depths other than 32 bits (it answers 32 to any
// request, as a firmware may answer a depth other than the one asked for),
// overscan, palettes, the cursor, and scaling the physical size to a
// monitor's mode: the display shows the physical size as it is.
import { FB_BYTES, type SimState } from "../state.js";
import { Regs } from "./device.js";

export { FB_BYTES };
/** The display's size until the kernel sets one (QEMU's raspi boards answer the same). */
export const DEFAULT_DISPLAY = { width: 640, height: 480 };
/** Where the firmware's buffer lies (bus address): in the VideoCore's RAM (tag 0x00010006 gives 0x3c000000, 64 MiB). */
const FB_BUS = (0xC0000000 | 0x3c100000) >>> 0;

const enum F { WIDTH, HEIGHT, VWIDTH, VHEIGHT, DEPTH, ORDER, OFFSET_X, OFFSET_Y, BYTES, FRAME, COUNT }

/** A picture of what the display shows: 3 bytes a pixel (red, green, blue), row by row (tools/run/png.ts's Picture). */
export interface Picture { width: number; height: number; rgb: Uint8Array }

export class Framebuffer {
  private readonly r: Regs;
  readonly pixels: Uint8Array;
  private readonly words: DataView;

  constructor(private readonly s: SimState, init: boolean) {
    this.r = new Regs(s, F.COUNT);
    this.pixels = s.fb;
    this.words = new DataView(s.fb.buffer, s.fb.byteOffset, s.fb.byteLength);
    if (init) this.setDisplay(DEFAULT_DISPLAY.width, DEFAULT_DISPLAY.height);
  }

  /** The display's size before the kernel sets one (the controlling thread, before the cores start). */
  setDisplay(width: number, height: number): void {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width * height * 4 > FB_BYTES)
      throw new Error(`screen: ${width} x ${height} is not a display the simulator holds (whole pixels, at most ${FB_BYTES} bytes at 32 bits)`);
    const r = this.r;
    r.set(F.WIDTH, width); r.set(F.HEIGHT, height);
    r.set(F.VWIDTH, width); r.set(F.VHEIGHT, height);
    r.set(F.DEPTH, 32); r.set(F.ORDER, 0);
  }

  get width(): number { return this.r.get(F.WIDTH); }
  get height(): number { return this.r.get(F.HEIGHT); }
  get pitch(): number { return this.r.get(F.VWIDTH) * 4; }
  /** The buffer's size in bytes: 0 while none is allocated. */
  get bytes(): number { return Atomics.load(this.s.i32, this.r.at + F.BYTES) >>> 0; }
  /** Bumped by every change of what the display shows (a copy, a fill, a flip, a new buffer): the page redraws on it. */
  get frame(): number { return Atomics.load(this.s.i32, this.r.at + F.FRAME); }
  private changed(): void { Atomics.add(this.s.i32, this.r.at + F.FRAME, 1); }

  /**
   * The answer to a framebuffer tag with request words a, b (bus lock
   * held), or null for a tag that is not one. Test tags (0x00044xxx) answer
   * what a set would give without setting it.
   */
  answer(tag: number, a: number, b: number): number[] | null {
    if ((tag >>> 16) !== 4) return null;
    const r = this.r;
    const test = (tag & 0xfffff000) === 0x00044000;
    const set = (tag & 0xfffff000) === 0x00048000;
    switch (tag & 0xfff) {
      case 0x001:
        if (tag === 0x00040001) {                                    // allocate buffer (a: alignment)
          const size = this.pitch * r.get(F.VHEIGHT);
          if (size > FB_BYTES) return [0, 0];
          if (!this.bytes) this.pixels.fill(0, 0, size);
          Atomics.store(this.s.i32, r.at + F.BYTES, size);
          this.changed();
          return [FB_BUS, size];
        }
        if (tag === 0x00048001) { Atomics.store(this.s.i32, r.at + F.BYTES, 0); this.changed(); return []; }   // release buffer
        return null;
      case 0x003: {                                                 // physical (display) width/height
        if ((test || set) && a >= 1 && b >= 1 && a * b * 4 <= FB_BYTES) {
          if (test) return [a, b];
          r.set(F.WIDTH, a); r.set(F.HEIGHT, b);
        }
        return [r.get(F.WIDTH), r.get(F.HEIGHT)];
      }
      case 0x004: {                                                 // virtual (buffer) width/height
        if (test || set) {
          // At least the display; no taller than the largest buffer (as a firmware gives less than asked).
          const w = Math.max(a, r.get(F.WIDTH)), h = Math.min(Math.max(b, r.get(F.HEIGHT)), Math.floor(FB_BYTES / (Math.max(w, 1) * 4)));
          if (test) return [w, h];
          if (this.bytes) return [r.get(F.VWIDTH), r.get(F.VHEIGHT)];   // not while a buffer is allocated
          r.set(F.VWIDTH, w); r.set(F.VHEIGHT, h);
        }
        return [r.get(F.VWIDTH), r.get(F.VHEIGHT)];
      }
      case 0x005: return [32];                                      // depth: 32 bits whatever is asked
      case 0x006:                                                   // pixel order: 0 BGR, 1 RGB
        if (set && (a === 0 || a === 1)) { r.set(F.ORDER, a); this.changed(); }
        return [test && (a === 0 || a === 1) ? a : r.get(F.ORDER)];
      case 0x008: return tag === 0x00040008 ? [this.pitch] : null; // pitch
      case 0x009: {                                                 // virtual offset: within the virtual size
        if ((test || set) && a + r.get(F.WIDTH) <= r.get(F.VWIDTH) && b + r.get(F.HEIGHT) <= r.get(F.VHEIGHT)) {
          if (test) return [a, b];
          r.set(F.OFFSET_X, a); r.set(F.OFFSET_Y, b);
          this.changed();
        }
        return [r.get(F.OFFSET_X), r.get(F.OFFSET_Y)];
      }
      default: return null;
    }
  }

  /**
   * Module fb over a core's linear memory (boot/wasm/host_fb.c's checks):
   * a refused copy throws `refuse(message)`.
   */
  host(memory: Uint8Array, refuse: (message: string) => Error) {
    const limit = memory.length;
    const check = (op: string, offset: number, pitch: number, rowBytes: number, rows: number, at: number, atPitch: number) => {
      const size = this.bytes;
      if (!size) throw refuse(`fb.${op}: no framebuffer: the firmware has not allocated one (mailbox tag 0x00040001)`);
      if (offset + (rows - 1) * pitch + rowBytes > size)
        throw refuse(`fb.${op}: ${rows} rows of ${rowBytes} bytes at offset ${offset}, ${pitch} apart, run past the framebuffer's ${size} bytes`);
      if (atPitch >= 0 && at + (rows - 1) * atPitch + rowBytes > limit)
        throw refuse(`fb.${op}: ${rows} rows of ${rowBytes} bytes at 0x${at.toString(16)}, ${atPitch} apart, run past the end of linear memory`);
    };
    const px = this.pixels, words = this.words;
    return {
      bytes: () => this.bytes,
      write: (offset: number, pitch: number, src: number, srcPitch: number, rowBytes: number, rows: number) => {
        [offset, pitch, src, srcPitch, rowBytes, rows] = [offset >>> 0, pitch >>> 0, src >>> 0, srcPitch >>> 0, rowBytes >>> 0, rows >>> 0];
        if (!rows || !rowBytes) return;
        check("write", offset, pitch, rowBytes, rows, src, srcPitch);
        for (let y = 0; y < rows; y++) px.set(memory.subarray(src + y * srcPitch, src + y * srcPitch + rowBytes), offset + y * pitch);
        this.changed();
      },
      read: (offset: number, pitch: number, dst: number, dstPitch: number, rowBytes: number, rows: number) => {
        [offset, pitch, dst, dstPitch, rowBytes, rows] = [offset >>> 0, pitch >>> 0, dst >>> 0, dstPitch >>> 0, rowBytes >>> 0, rows >>> 0];
        if (!rows || !rowBytes) return;
        check("read", offset, pitch, rowBytes, rows, dst, dstPitch);
        for (let y = 0; y < rows; y++) memory.set(px.subarray(offset + y * pitch, offset + y * pitch + rowBytes), dst + y * dstPitch);
      },
      fill: (offset: number, pitch: number, rowBytes: number, rows: number, value: number) => {
        [offset, pitch, rowBytes, rows] = [offset >>> 0, pitch >>> 0, rowBytes >>> 0, rows >>> 0];
        if ((offset | pitch | rowBytes) & 3) throw refuse(`fb.fill: offset ${offset}, pitch ${pitch} and row bytes ${rowBytes} must be multiples of 4`);
        if (!rows || !rowBytes) return;
        check("fill", offset, pitch, rowBytes, rows, 0, -1);
        for (let y = 0; y < rows; y++) for (let k = 0; k < rowBytes; k += 4) words.setUint32(offset + y * pitch + k, value >>> 0, true);
        this.changed();
      },
    };
  }

  /**
   * What the display shows now: the physical size from the virtual offset,
   * each pixel in the pixel order the kernel chose (black without a buffer).
   */
  picture(): Picture {
    const r = this.r;
    const width = r.get(F.WIDTH), height = r.get(F.HEIGHT), pitch = this.pitch, size = this.bytes;
    const rgb = new Uint8Array(width * height * 3);
    if (!size) return { width, height, rgb };
    const bgr = r.get(F.ORDER) === 0, x0 = r.get(F.OFFSET_X), y0 = r.get(F.OFFSET_Y), px = this.pixels;
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
      const at = (y0 + y) * pitch + (x0 + x) * 4, o = (y * width + x) * 3;
      if (at + 4 > size) continue;
      // A 32-bit pixel in memory: BGR order keeps 0x00RRGGBB words (bytes B, G, R), RGB order 0x00BBGGRR.
      rgb[o] = bgr ? px[at + 2] : px[at];
      rgb[o + 1] = px[at + 1];
      rgb[o + 2] = bgr ? px[at] : px[at + 2];
    }
    return { width, height, rgb };
  }
}
