// A text console on a canvas: 8x16 character cells, a cursor, wrapping and
// scrolling; println() can go to it too (attach()).
//
//   const s = screen.open();
//   if (s) {
//     const term = new TextConsole(s);       // the whole screen; colours 0xRRGGBB
//     term.attach();                         // println() now shows here too
//     println("hello");
//   }
//
// Text goes to the canvas and, at each line's end (and at the end of each
// write), the canvas is presented (a Screen copies what changed to the
// display). A TextConsole takes a spin lock around each write, so lines
// from different cores never mix; while it is attached, every print on any
// core draws here, at the cost of that drawing.
import { Canvas } from "./canvas";
import { CELL_WIDTH, CELL_HEIGHT } from "./font";
import { ConsoleMirror, setMirror } from "../arch/console";
import { SpinLock } from "../kernel/sync/spinlock";

export class TextConsole extends ConsoleMirror {
  readonly canvas: Canvas;
  /** The console's area on the canvas, in pixels. */
  readonly x: i32;
  readonly y: i32;
  readonly columns: i32;
  readonly rows: i32;
  fg: u32;
  bg: u32;
  /** The cursor, in cells. */
  column: i32 = 0;
  row: i32 = 0;
  private lock: SpinLock = new SpinLock();

  /**
   * A console on `canvas` (the whole of it, or the `columns` x `rows` cells
   * from (x, y)), `fg` text on `bg`.
   */
  constructor(canvas: Canvas, fg: u32 = 0xc0c0c0, bg: u32 = 0x000000, x: i32 = 0, y: i32 = 0, columns: i32 = 0, rows: i32 = 0) {
    super();
    this.canvas = canvas;
    this.x = x;
    this.y = y;
    this.columns = columns > 0 ? columns : (canvas.width - x) / CELL_WIDTH;
    this.rows = rows > 0 ? rows : (canvas.height - y) / CELL_HEIGHT;
    assert(this.columns > 0 && this.rows > 0, "TextConsole: the canvas has no room for one character cell");
    this.fg = fg;
    this.bg = bg;
  }

  /** Makes println() and print() on every core show here too (until detach()). */
  attach(): void { setMirror(this); }
  /** Stops showing the console's output here. */
  detach(): void { setMirror(null); }

  /** Clears the console's area and puts the cursor top left. */
  clear(): void {
    this.lock.lock();
    this.canvas.fillRect(this.x, this.y, this.columns * CELL_WIDTH, this.rows * CELL_HEIGHT, this.bg);
    this.column = 0; this.row = 0;
    this.canvas.present();
    this.lock.unlock();
  }

  /** Writes `s` at the cursor. */
  print(s: string): void { this.write(s); }
  /** Writes `s` and a newline (under one lock: a line from another core cannot come between). */
  println(s: string): void { this.writeLine(s, true); }

  write(s: string): void { this.writeLine(s, false); }

  private writeLine(s: string, newline: bool): void {
    this.lock.lock();
    for (let i = 0; i < s.length; i++) this.put(s.charCodeAt(i));
    if (newline) this.put(10);
    this.canvas.present();
    this.lock.unlock();
  }

  putc(c: u32): void {
    this.lock.lock();
    this.put(<i32>c);
    if (c == 10) this.canvas.present();
    this.lock.unlock();
  }

  private put(c: i32): void {
    if (c == 10) { this.newline(); return; }
    if (c == 13) { this.column = 0; return; }
    if (c == 9) { const next = (this.column + 8) & ~7; while (this.column < next && this.column < this.columns) this.put(32); return; }
    if (this.column >= this.columns) this.newline();
    this.canvas.glyphAt(this.x + this.column * CELL_WIDTH, this.y + this.row * CELL_HEIGHT, c, this.fg, this.bg);
    this.column++;
  }

  private newline(): void {
    this.column = 0;
    if (this.row + 1 < this.rows) { this.row++; return; }
    // scroll: every row up one cell (the canvas copies overlapping rows in order), the last one cleared
    const w = this.columns * CELL_WIDTH, h = (this.rows - 1) * CELL_HEIGHT;
    this.canvas.blit(this.x, this.y, this.canvas, this.x, this.y + CELL_HEIGHT, w, h);
    this.canvas.fillRect(this.x, this.y + h, w, CELL_HEIGHT, this.bg);
  }
}
