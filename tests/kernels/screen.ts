// Test kernel: the screen (drivers/screen.ts), the canvas (gfx/canvas.ts) and
// the text console (gfx/console.ts) against QEMU's framebuffer. Each check
// is a line; tests/qemu/screen.test.ts reads them. What the display shows
// is read back from the framebuffer itself (fb.read), so a check sees what
// the host's copies wrote there, not the canvas they came from.
import { boot } from "../../assembly/kernel/boot";
import { exit } from "../../assembly/arch/sys";
import { println } from "../../assembly/arch/console";
import { fb } from "../../assembly/arch/host";
import * as screen from "../../assembly/drivers/screen";
import { Screen } from "../../assembly/drivers/screen";
import { Canvas } from "../../assembly/gfx/canvas";
import { TextConsole } from "../../assembly/gfx/console";

let ok = true;
function check(what: string, good: bool): void {
  println("screen: " + what + ": " + (good ? "yes" : "NO"));
  if (!good) ok = false;
}

/** Whether the display shows the canvas's pixels in the rectangle (x, y, w, h). */
function shows(s: Screen, x: i32, y: i32, w: i32, h: i32): bool {
  const got = new StaticArray<u32>(w * h);
  s.readBack(x, y, w, h, got);
  for (let r = 0; r < h; r++) for (let c = 0; c < w; c++)
    if ((got[r * w + c] & 0xffffff) != (load<u32>(s.data + (<usize>(y + r) * s.width + x + c) * 4) & 0xffffff)) return false;
  return true;
}

/** Whether two canvases hold the same pixels in the rectangle (x, y, w, h). */
function same(a: Canvas, b: Canvas, x: i32, y: i32, w: i32, h: i32): bool {
  for (let r = y; r < y + h; r++) for (let c = x; c < x + w; c++) if (a.getPixel(c, r) != b.getPixel(c, r)) return false;
  return true;
}

function main(): void {
  check("no framebuffer before open", fb.bytes() == 0);
  const s = screen.open();
  if (!s) { println(screen.lastError()); exit(1); return; }
  println("screen: " + s.width.toString() + "x" + s.height.toString() + ", pitch " + s.framePitch.toString() + ", " + s.pages.toString() + " page(s), window " + fb.bytes().toString() + " bytes");
  check("the host's window holds the frame", <u64>fb.bytes() >= <u64>s.framePitch * s.height);
  check("open() again gives the same screen", screen.open() == s);
  check("another size is refused", screen.open(320, 200) == null && screen.lastError().includes("already open at"));

  // Drawing, presented: the display shows the canvas, all of it.
  s.clear(0x204060);
  s.fillRect(10, 10, 100, 50, 0xff0000);
  s.line(0, 479, 639, 0, 0x00ff00);
  s.fillCircle(320, 240, 40, 0x0000ff);
  s.text(200, 100, "Hello, Pi!", 0xffffff, 0x000000, 2);
  s.present();
  check("the display shows what was drawn", shows(s, 0, 0, s.width, s.height));
  check("a red pixel inside the rectangle", s.getPixel(50, 30) == 0xff0000);
  check("the line's two ends", s.getPixel(0, 479) == 0x00ff00 && s.getPixel(639, 0) == 0x00ff00);

  // Only what changed is copied: a pixel the canvas changes without marking it stays off the display.
  store<u32>(s.data + (5 * <usize>s.width + 600) * 4, 0x123456);
  s.fillRect(300, 400, 8, 8, 0xffff00);
  s.present();
  check("a present copies only the changed rectangle", shows(s, 300, 400, 8, 8) && !shows(s, 600, 5, 1, 1));

  // fb.fill: the host's fill, what a full-screen clear costs in C
  fb.fill(<u32>(20 * s.framePitch + 40 * 4), <u32>s.framePitch, 16 * 4, 4, 0x00abcdef);
  const got = new StaticArray<u32>(16 * 4);
  s.readBack(40, 20, 16, 4, got);
  let filled = true;
  for (let i = 0; i < 64; i++) if ((got[i] & 0xffffff) != 0xabcdef) filled = false;
  check("fb.fill fills the rectangle", filled);

  // The text console: 5 lines, each ended, into 3 rows scroll three times
  // (as a terminal's do: the cursor waits on an empty last row); the rows
  // then hold lines 4 and 5, drawn exactly as text() draws them, and a blank.
  const area = new Canvas(80, 48);
  const term = new TextConsole(area, 0xffffff, 0x000000);
  for (let i = 1; i <= 5; i++) term.println("line " + i.toString());
  const want = new Canvas(80, 48);
  want.text(0, 0, "line 4", 0xffffff, 0x000000);
  want.text(0, 16, "line 5", 0xffffff, 0x000000);
  check("the console scrolled (lines 4 and 5 of 5, and the cursor's empty row)", same(area, want, 0, 0, 80, 48));
  check("the console's cursor is at the start of row 3", term.row == 2 && term.column == 0);

  // println() mirrored onto the screen's console, and not after detach()
  const onScreen = new TextConsole(s, 0xffffff, 0x000080, 0, 448, 80, 2);
  onScreen.attach();
  println("mirrored line");
  onScreen.detach();
  println("not mirrored");
  const ref = new Canvas(200, 16);
  ref.text(0, 0, "mirrored line", 0xffffff, 0x000080);
  check("println shows on the attached console", sameAt(s, ref, 0, 448, 13 * 8, 16));
  check("the console presented it", shows(s, 0, 448, 640, 32));
  check("not after detach", s.getPixel(0, 464) == 0x204060);   // the row below: never drawn on

  // A blit from an off-screen canvas, with clipping at the screen's edge
  const sprite = new Canvas(20, 20);
  sprite.fillCircle(10, 10, 9, 0xff00ff);
  s.blit(630, 100, sprite);
  s.present();
  check("a blit clipped at the right edge", s.getPixel(639, 110) == 0xff00ff && shows(s, 620, 90, 20, 40));

  println(ok ? "screen test: ok" : "screen test: FAILED");
  exit(ok ? 0 : 1);
}

/** `a` at (x, y) against `b` at (0, 0), w x h. */
function sameAt(a: Canvas, b: Canvas, x: i32, y: i32, w: i32, h: i32): bool {
  for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) if (a.getPixel(x + c, y + r) != b.getPixel(c, r)) return false;
  return true;
}

function worker(core: u32): void {}

export function kernel_start(core: u32): void { boot(core, main, worker); }
