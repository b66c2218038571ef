// A canvas: 32-bit pixels in linear memory, and the 2D drawing a kernel
// needs (pixels, rectangles, lines, circles, blits, text). A screen
// (drivers/screen.ts) is a canvas whose present() copies what changed to
// the framebuffer; a canvas of its own is an off-screen image to blit.
//
//   const c = new Canvas(64, 32);
//   c.clear(0x000000);
//   c.fillRect(4, 4, 20, 10, 0xff8800);            // colours are 0xRRGGBB
//   c.line(0, 31, 63, 0, 0xffffff);
//   c.text(2, 14, "hi", 0x00ff00);
//
// Drawing outside the canvas is clipped, never an error. Drawing runs in
// wasm on the caller's core; it takes no lock, so two tasks drawing on one
// canvas from different cores must share it through a Mutex.
import { CELL_WIDTH, CELL_HEIGHT, glyph } from "./font";

/** For text(): no background, only the glyph's pixels are drawn. */
export const TRANSPARENT: u32 = 0xffffffff;

export class Canvas {
  readonly width: i32;
  readonly height: i32;
  /** Bytes from one row to the next. */
  readonly pitch: i32;
  /** The pixels, row by row: each a u32 in the framebuffer's order (see swapRB). */
  readonly pixels: StaticArray<u32>;
  /**
   * The firmware gave a framebuffer in RGB byte order (0x00BBGGRR words)
   * where colours here are 0xRRGGBB: every colour is swapped once per call.
   */
  swapRB: bool = false;
  // The rectangle drawn since takeDirty() (x1/y1 exclusive; empty when x0 >= x1).
  dirtyX0: i32 = 0;
  dirtyY0: i32 = 0;
  dirtyX1: i32 = 0;
  dirtyY1: i32 = 0;

  constructor(width: i32, height: i32) {
    assert(width > 0 && height > 0 && <i64>width * height <= 64 << 20, "Canvas: width and height must be positive, and at most 64 M pixels");
    this.width = width;
    this.height = height;
    this.pitch = width * 4;
    this.pixels = new StaticArray<u32>(width * height);
  }

  /** The address of pixel (0, 0) in linear memory. */
  get data(): usize { return changetype<usize>(this.pixels); }

  /** `color` (0xRRGGBB) as this canvas stores it. */
  @inline native(color: u32): u32 { return this.swapRB ? swapRedBlue(color) : color & 0xffffff; }

  /** Marks a rectangle as changed (it is clipped): present() copies changed rectangles. */
  markDirty(x: i32, y: i32, w: i32, h: i32): void {
    const x0 = max(x, 0), y0 = max(y, 0), x1 = min(x + w, this.width), y1 = min(y + h, this.height);
    if (x0 >= x1 || y0 >= y1) return;
    if (this.dirtyX0 >= this.dirtyX1) { this.dirtyX0 = x0; this.dirtyY0 = y0; this.dirtyX1 = x1; this.dirtyY1 = y1; return; }
    this.dirtyX0 = min(this.dirtyX0, x0); this.dirtyY0 = min(this.dirtyY0, y0);
    this.dirtyX1 = max(this.dirtyX1, x1); this.dirtyY1 = max(this.dirtyY1, y1);
  }

  /** Forgets what changed (after copying it). */
  clean(): void { this.dirtyX0 = this.dirtyY0 = this.dirtyX1 = this.dirtyY1 = 0; }

  /** Whether anything was drawn since clean(). */
  get dirty(): bool { return this.dirtyX0 < this.dirtyX1; }

  /** Shows what was drawn, where the canvas is shown somewhere (a Screen); an off-screen canvas has nothing to do. */
  present(): void {}

  /** Fills the whole canvas with `color`. */
  clear(color: u32 = 0): void { this.fillRect(0, 0, this.width, this.height, color); }

  /** Sets one pixel (ignored outside the canvas). */
  pixel(x: i32, y: i32, color: u32): void {
    if (<u32>x >= <u32>this.width || <u32>y >= <u32>this.height) return;
    store<u32>(this.data + (<usize>y * this.width + x) * 4, this.native(color));
    this.markDirty(x, y, 1, 1);
  }

  /** The colour (0xRRGGBB) at (x, y); 0 outside the canvas. */
  getPixel(x: i32, y: i32): u32 {
    if (<u32>x >= <u32>this.width || <u32>y >= <u32>this.height) return 0;
    return this.native(load<u32>(this.data + (<usize>y * this.width + x) * 4));   // the swap is its own inverse
  }

  /**
   * Fills a rectangle. One row is written pixel by pixel, the others are
   * copies of it (memory.copy: native speed on both backends).
   */
  fillRect(x: i32, y: i32, w: i32, h: i32, color: u32): void {
    const x0 = max(x, 0), y0 = max(y, 0), x1 = min(x + w, this.width), y1 = min(y + h, this.height);
    if (x0 >= x1 || y0 >= y1) return;
    const c = this.native(color);
    const pitch = <usize>this.pitch;
    const first = this.data + <usize>y0 * pitch + <usize>x0 * 4;
    const bytes = <usize>(x1 - x0) * 4;
    for (let p = first, end = first + bytes; p < end; p += 4) store<u32>(p, c);
    for (let row = first + pitch, end = first + <usize>(y1 - y0) * pitch; row < end; row += pitch) memory.copy(row, first, bytes);
    this.markDirty(x0, y0, x1 - x0, y1 - y0);
  }

  /** A rectangle's outline, one pixel wide. */
  rect(x: i32, y: i32, w: i32, h: i32, color: u32): void {
    if (w <= 0 || h <= 0) return;
    this.fillRect(x, y, w, 1, color);
    this.fillRect(x, y + h - 1, w, 1, color);
    this.fillRect(x, y, 1, h, color);
    this.fillRect(x + w - 1, y, 1, h, color);
  }

  /** A line from (x0, y0) to (x1, y1), both ends drawn (Bresenham's, integer only). */
  line(x0: i32, y0: i32, x1: i32, y1: i32, color: u32): void {
    if (y0 == y1) { this.fillRect(min(x0, x1), y0, abs(x1 - x0) + 1, 1, color); return; }
    if (x0 == x1) { this.fillRect(x0, min(y0, y1), 1, abs(y1 - y0) + 1, color); return; }
    const dx = abs(x1 - x0), dy = -abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
    let err = dx + dy, x = x0, y = y0;
    const c = this.native(color), w = this.width, h = this.height, data = this.data;
    while (true) {
      if (<u32>x < <u32>w && <u32>y < <u32>h) store<u32>(data + (<usize>y * w + x) * 4, c);
      if (x == x1 && y == y1) break;
      const e2 = 2 * err;
      if (e2 >= dy) { err += dy; x += sx; }
      if (e2 <= dx) { err += dx; y += sy; }
    }
    this.markDirty(min(x0, x1), min(y0, y1), abs(x1 - x0) + 1, abs(y1 - y0) + 1);
  }

  /** A filled circle: the pixels whose centres lie within `r` of (cx, cy). */
  fillCircle(cx: i32, cy: i32, r: i32, color: u32): void {
    if (r < 0) return;
    const rr = <i64>r * r + r;            // + r: round the edge as the midpoint algorithm does
    let half = r;
    for (let dy = 0; dy <= r; dy++) {
      while (half > 0 && <i64>half * half + <i64>dy * dy > rr) half--;
      this.fillRect(cx - half, cy - dy, 2 * half + 1, 1, color);
      if (dy > 0) this.fillRect(cx - half, cy + dy, 2 * half + 1, 1, color);
    }
  }

  /** A circle's outline (the midpoint algorithm, integer only). */
  circle(cx: i32, cy: i32, r: i32, color: u32): void {
    if (r < 0) return;
    let x = r, y = 0, err = 1 - r;
    while (x >= y) {
      this.plot8(cx, cy, x, y, color);
      y++;
      if (err < 0) err += 2 * y + 1;
      else { x--; err += 2 * (y - x) + 1; }
    }
  }

  private plot8(cx: i32, cy: i32, x: i32, y: i32, color: u32): void {
    this.pixel(cx + x, cy + y, color); this.pixel(cx - x, cy + y, color);
    this.pixel(cx + x, cy - y, color); this.pixel(cx - x, cy - y, color);
    this.pixel(cx + y, cy + x, color); this.pixel(cx - y, cy + x, color);
    this.pixel(cx + y, cy - x, color); this.pixel(cx - y, cy - x, color);
  }

  /**
   * Copies the `w` x `h` rectangle at (sx, sy) of `src` to (x, y), clipped
   * to both canvases (src may be this canvas: overlapping rectangles copy as
   * if through a buffer).
   */
  blit(x: i32, y: i32, src: Canvas, sx: i32 = 0, sy: i32 = 0, w: i32 = -1, h: i32 = -1): void {
    if (w < 0) w = src.width;
    if (h < 0) h = src.height;
    // clip against the source, then the destination, moving both corners together
    if (sx < 0) { x -= sx; w += sx; sx = 0; }
    if (sy < 0) { y -= sy; h += sy; sy = 0; }
    if (x < 0) { sx -= x; w += x; x = 0; }
    if (y < 0) { sy -= y; h += y; y = 0; }
    w = min(w, min(src.width - sx, this.width - x));
    h = min(h, min(src.height - sy, this.height - y));
    if (w <= 0 || h <= 0) return;
    const bytes = <usize>w * 4;
    const sp = <usize>src.pitch, dp = <usize>this.pitch;
    const swap = src.swapRB != this.swapRB;
    const down = src == this && y > sy;     // copy bottom-up so an overlapping source is read before it is written
    for (let i = 0; i < h; i++) {
      const row = down ? h - 1 - i : i;
      const from = src.data + <usize>(sy + row) * sp + <usize>sx * 4;
      const to = this.data + <usize>(y + row) * dp + <usize>x * 4;
      if (!swap) memory.copy(to, from, bytes);
      else for (let k: usize = 0; k < bytes; k += 4) store<u32>(to + k, swapRedBlue(load<u32>(from + k)));
    }
    this.markDirty(x, y, w, h);
  }

  /**
   * Draws a 1-bit image: `rows` rows of `w` pixels at `bits`, each row
   * starting on a byte, bit 7 first; set bits in `fg`, clear ones in `bg`
   * (TRANSPARENT: left as they are). Each source pixel becomes `sx` x `sy` pixels.
   */
  bitmap(x: i32, y: i32, bits: usize, w: i32, rows: i32, fg: u32, bg: u32 = TRANSPARENT, sx: i32 = 1, sy: i32 = 1): void {
    const f = this.native(fg), b = this.native(bg), opaque = bg != TRANSPARENT;
    const rowBytes = (w + 7) >> 3;
    const W = this.width, H = this.height, data = this.data;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < w; c++) {
        const on = (<u32>load<u8>(bits + <usize>(r * rowBytes + (c >> 3))) >> <u32>(7 - (c & 7))) & 1;
        if (!on && !opaque) continue;
        const v = on ? f : b;
        for (let dy = 0; dy < sy; dy++) {
          const py = y + r * sy + dy;
          if (<u32>py >= <u32>H) continue;
          for (let dx = 0; dx < sx; dx++) {
            const px = x + c * sx + dx;
            if (<u32>px < <u32>W) store<u32>(data + (<usize>py * W + px) * 4, v);
          }
        }
      }
    }
    this.markDirty(x, y, w * sx, rows * sy);
  }

  /**
   * Draws `s` from (x, y) (its top-left corner) in the font's 8x16 cells,
   * `scale` times as big; `bg` fills each cell behind the glyph (TRANSPARENT:
   * none). A newline starts the next line at x. Returns the x after the last
   * character. Characters the font lacks are drawn as a box.
   */
  text(x: i32, y: i32, s: string, fg: u32, bg: u32 = TRANSPARENT, scale: i32 = 1): i32 {
    let cx = x, cy = y;
    const cw = CELL_WIDTH * scale, ch = CELL_HEIGHT * scale;
    for (let i = 0; i < s.length; i++) {
      const code = s.charCodeAt(i);
      if (code == 10) { cx = x; cy += ch; continue; }
      this.glyphAt(cx, cy, code, fg, bg, scale);
      cx += cw;
    }
    return cx;
  }

  /** One character cell at (x, y): the glyph, `scale` times as big, on `bg`. */
  glyphAt(x: i32, y: i32, code: i32, fg: u32, bg: u32 = TRANSPARENT, scale: i32 = 1): void {
    this.bitmap(x, y, glyph(code), 8, 8, fg, bg, scale, 2 * scale);   // each font row twice: 8x8 -> 8x16
  }
}

/** 0x00RRGGBB as 0x00BBGGRR, and back (the swap is its own inverse). */
// @ts-ignore: decorator
@inline function swapRedBlue(v: u32): u32 { return ((v & 0xff) << 16) | (v & 0xff00) | ((v >> 16) & 0xff); }

/** A colour from its red, green and blue (0-255 each). */
// @ts-ignore: decorator
@inline export function rgb(r: u32, g: u32, b: u32): u32 { return ((r & 0xff) << 16) | ((g & 0xff) << 8) | (b & 0xff); }
