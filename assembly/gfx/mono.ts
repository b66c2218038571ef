// A 1-bit canvas in the layout of the small monochrome display controllers
// (Solomon Systech's SSD1306, SSD0303 and their kin): the display is cut
// into pages of 8 rows, and a page is `width` bytes, one a column, bit 0
// its top row. A driver sends a page as it is, so the canvas keeps which
// pages were drawn on since they were last sent (`dirty`, a bit a page).
//
//   oled.clear();
//   oled.text(0, 0, "21.5 C");                     // the font's 8x8 cells: 16 characters to 128 pixels
//   oled.fillRect(0, 10, 64, 2, true);
//   await oled.show();                             // the driver's: the pages drawn on
//
// Ssd1306 and Ssd0303 (assembly/devices/) extend it with their show().
import { CELL_WIDTH, glyph } from "./font";

/** Rows in a page, and in a text cell on a 1-bit canvas (the font's 8 rows, each once). */
export const MONO_CELL_HEIGHT: i32 = 8;

export class MonoCanvas {
  /** Pages of 8 rows. */
  readonly pages: i32;
  /** The canvas: byte `page * width + x`, bit `y % 8` (the controllers' display RAM layout). */
  readonly buffer: Uint8Array;
  /** Pages drawn on since a driver last sent them, one bit each (page 0 in bit 0). */
  protected dirty: u32 = 0;

  /** A canvas of `width` by `height` pixels; `height` a multiple of 8, at most 256 rows (32 pages). */
  constructor(public readonly width: i32, public readonly height: i32) {
    if (width < 1 || height < 8 || height > 256 || height % 8 != 0) {
      throw new Error("mono canvas: " + width.toString() + "x" + height.toString() + " is not a size (width 1 or more, height 8-256 in 8s)");
    }
    const pages = height / 8;
    this.pages = pages;
    this.buffer = new Uint8Array(width * pages);
  }

  /** Every pixel off (or on). */
  clear(on: bool = false): void {
    this.buffer.fill(on ? 0xff : 0);
    this.dirty = this.pages >= 32 ? 0xffff_ffff : (<u32>1 << <u32>this.pages) - 1;
  }

  /** Pixel (x, y) on or off; outside the canvas, nothing. */
  pixel(x: i32, y: i32, on: bool): void {
    if (<u32>x >= <u32>this.width || <u32>y >= <u32>this.height) return;
    const at = (y >> 3) * this.width + x;
    const bit = <u8>(<i32>1 << (y & 7));
    const b = unchecked(this.buffer[at]);
    unchecked(this.buffer[at] = on ? b | bit : b & ~bit);
    this.dirty |= <u32>1 << <u32>(y >> 3);
  }

  /** Whether pixel (x, y) is on in the canvas (false outside). */
  isOn(x: i32, y: i32): bool {
    if (<u32>x >= <u32>this.width || <u32>y >= <u32>this.height) return false;
    return (<i32>unchecked(this.buffer[(y >> 3) * this.width + x]) & (<i32>1 << (y & 7))) != 0;
  }

  /** The rectangle of `w` by `h` pixels from (x, y), clipped to the canvas, on or off. */
  fillRect(x: i32, y: i32, w: i32, h: i32, on: bool): void {
    const x0 = max(x, 0), y0 = max(y, 0);
    const x1 = min(x + w, this.width), y1 = min(y + h, this.height);
    for (let yy = y0; yy < y1; yy++) {
      for (let xx = x0; xx < x1; xx++) this.pixel(xx, yy, on);
    }
  }

  /**
   * A 1-bit image of `w` by `h` pixels drawn with its top left at (x, y),
   * clipped: rows top to bottom, each `(w + 7) / 8` bytes, the leftmost
   * pixel in bit 7 (as PBM's P4 and the font). A set bit turns the pixel
   * on; a clear one turns it off, or, if `transparent`, leaves it.
   */
  blit(image: Uint8Array, w: i32, h: i32, x: i32, y: i32, transparent: bool = false): void {
    const stride = (w + 7) >> 3;
    if (image.length < stride * h) throw new Error("mono canvas: blit of " + w.toString() + "x" + h.toString() + " needs " + (stride * h).toString() + " bytes, given " + image.length.toString());
    this.bits(image.dataStart, stride, w, h, x, y, true, transparent);
  }

  /**
   * Draws `s` from (x, y) (its top-left corner) in the font's glyphs, each
   * in an 8x8 cell: the glyph's 8 rows once each (the big screen draws
   * them twice, 8x16), so a 128-pixel row holds 16 characters and a
   * 64-pixel display 8 lines. The glyph's pixels are `on` (true: lit) and
   * the rest of each cell the opposite, so new text covers old; with
   * `transparent` only the glyph's pixels are drawn. A newline starts the
   * next line (8 rows down) at x; characters the font lacks are a box.
   * Returns the x after the last character.
   */
  text(x: i32, y: i32, s: string, on: bool = true, transparent: bool = false): i32 {
    let cx = x, cy = y;
    for (let i = 0; i < s.length; i++) {
      const code = s.charCodeAt(i);
      if (code == 10) { cx = x; cy += MONO_CELL_HEIGHT; continue; }
      this.bits(glyph(code), 1, CELL_WIDTH, MONO_CELL_HEIGHT, cx, cy, on, transparent);
      cx += CELL_WIDTH;
    }
    return cx;
  }

  /** `h` rows of `w` bits at `image` (`stride` bytes a row, bit 7 leftmost) at (x, y): a set bit `on`, a clear one `!on` unless `transparent`. */
  private bits(image: usize, stride: i32, w: i32, h: i32, x: i32, y: i32, on: bool, transparent: bool): void {
    for (let row = 0; row < h; row++) {
      for (let col = 0; col < w; col++) {
        const set = (<i32>load<u8>(image + <usize>(row * stride + (col >> 3))) & (<i32>0x80 >> (col & 7))) != 0;
        if (set) this.pixel(x + col, y + row, on);
        else if (!transparent) this.pixel(x + col, y + row, !on);
      }
    }
  }
}
