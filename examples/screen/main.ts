// Example: the screen. A picture drawn with the canvas API (rectangles,
// lines, circles, text at three sizes), a text console in its lower part
// that println() also writes to, and a line typed on the UART shown there.
// Double-buffered: the display flips to a finished frame, never a half-drawn one.
//
//   make qemu APP=examples/screen/main.ts      (QEMU opens no window here:
//   the test takes its picture with QMP's screendump; docs/drivers/screen.md)
import { println, banner, spawn, uart, screen, Screen, TextConsole, rgb } from "tspi";

const BACKGROUND: u32 = 0x102040;

/** The picture: what docs/images/screen-demo.png shows (tests/qemu/examples.test.ts compares it pixel for pixel). */
function draw(s: Screen): void {
  s.clear(BACKGROUND);
  // the title, three times the font's size, with a shadow
  s.text(26, 18, "tspi", 0x000000, 0xffffffff, 3);
  s.text(24, 16, "tspi", 0xffcc33, 0xffffffff, 3);
  s.text(136, 24, "TypeScript on bare metal, four cores", 0xe0e0e0);
  s.text(136, 40, "Raspberry Pi 3 and 4", 0x80a0c0);
  // one box per core
  const colours: u32[] = [0xe05050, 0x50c050, 0x5080e0, 0xe0c040];
  for (let c = 0; c < 4; c++) {
    const x = 24 + c * 150;
    s.fillRect(x, 80, 136, 64, colours[c]);
    s.rect(x, 80, 136, 64, 0xffffff);
    s.text(x + 12, 92, "core " + c.toString(), 0x000000, 0xffffffff, 2);
  }
  // a fan of lines and a few circles
  for (let i = 0; i <= 12; i++) s.line(24, 300, 24 + i * 20, 170, rgb(40 + i * 16, 200 - i * 10, 255));
  s.fillCircle(350, 240, 50, 0x3070c0);
  s.circle(350, 240, 57, 0xffffff);
  s.fillCircle(305, 190, 22, 0xe07030);
  s.fillCircle(400, 290, 12, 0x60d060);
  // a bar chart
  const bars: i32[] = [30, 55, 42, 70, 64, 88, 76];
  for (let i = 0; i < bars.length; i++) s.fillRect(448 + i * 24, 300 - bars[i], 16, bars[i], 0x70b0f0);
  s.fillRect(440, 300, 176, 2, 0xc0c0c0);
  s.text(448, 176, "tasks/s", 0x80a0c0);
}

async function shell(port: uart.Port, term: TextConsole, s: Screen): Promise<void> {
  while (true) {
    const line = await port.readLine();
    if (line.length == 0) continue;
    term.println("> " + line);                 // the screen's console only
    println("screen demo: shown \"" + line + "\" (frame " + s.presents.toString() + ")");
  }
}

export function main(): void {
  banner();
  uart.configure(115200);
  const s = screen.open(640, 480, true);
  if (!s) { println(screen.lastError()); return; }
  draw(s);
  s.fillRect(0, 320, 640, 160, 0x000000);
  const term = new TextConsole(s, 0xc0c0c0, 0x000000, 8, 328, 78, 9);
  term.attach();                                // println() shows there too from here on
  println("screen demo: " + s.width.toString() + "x" + s.height.toString() + ", " + s.pages.toString() + " pages, " + s.framePitch.toString() + " bytes a row");
  term.detach();
  term.println("type a line on the UART: it shows here");
  s.present();
  println("screen demo: drawn; type a line and Enter to show it on the screen");
  spawn(shell(uart.open(0), term, s));
}
