// The screen (drivers/screen.ts) against the fake firmware's framebuffer
// (tools/testing/fake-fb.ts): what QEMU's firmware never does. It answers
// an RGB pixel order, a depth other than 32, a shorter virtual framebuffer
// than double buffering asks for, or no buffer at all; and the page flips
// of double buffering, whose copies QEMU shows only as a finished picture.
import * as screen from "../../assembly/drivers/screen";
import { Screen } from "../../assembly/drivers/screen";
import { fresh, trace, since, framebuffer, fbWord, fbOffsetY } from "../../assembly/testing";

let closed: Screen | null = null;   // (a closure cannot capture a local)

function count(text: string, what: string): i32 { return text.split(what).length - 1; }

/** A fresh fake with a display: 32 bpp as asked, BGR as asked, room for two pages. */
function display(width: i32 = 64, height: i32 = 32, depth: i32 = 0, order: i32 = -1, maxVirtualHeight: i32 = 64, allocates: bool = true): void {
  screen.close();
  fresh();
  framebuffer(width, height, depth, order, maxVirtualHeight, allocates);
}

describe("the screen", () => {
  it("open() is one property message with every framebuffer tag, and takes the firmware's answers", () => {
    display();
    const mark = trace().length;
    const s = screen.open(64, 32)!;
    expect(count(since(mark), "mailbox.call")).toBe(1);
    expect(s.width).toBe(64);
    expect(s.height).toBe(32);
    expect(s.framePitch).toBe(256);
    expect(s.pages).toBe(1);
    expect(s.swapRB).toBe(false);
  });

  it("present() copies the rectangle that changed, once, and nothing when nothing did", () => {
    display();
    const s = screen.open(64, 32)!;
    s.present();                                            // the first: the whole screen
    s.fillRect(10, 4, 3, 2, 0x123456);
    const mark = trace().length;
    s.present();
    expect(since(mark)).toBe("fb.write " + (4 * 256 + 40).toString() + " 256 12x2");
    expect(fbWord(5 * 256 + 12 * 4)).toBe(0x123456);
    const again = trace().length;
    s.present();
    expect(trace().length).toBe(again);
  });

  it("a firmware that answers RGB order gets red and blue swapped, and getPixel() still says 0xRRGGBB", () => {
    display(64, 32, 0, 1);
    const s = screen.open(64, 32)!;
    expect(s.swapRB).toBe(true);
    s.pixel(1, 1, 0xff8000);
    s.present();
    expect(fbWord(256 + 4)).toBe(0x0080ff);
    expect(s.getPixel(1, 1)).toBe(0xff8000);
  });

  it("double buffering flips by the virtual offset, and each page gets what the other got since", () => {
    display();
    const s = screen.open(64, 32, true)!;
    expect(s.pages).toBe(2);
    s.present();                                            // frame 1 -> page 1
    expect(fbOffsetY()).toBe(32);
    s.fillRect(0, 0, 2, 2, 0xaa0000);
    s.present();                                            // frame 2 -> page 0: the whole of frame 1 and the square
    expect(fbOffsetY()).toBe(0);
    expect(fbWord(0)).toBe(0xaa0000);
    s.fillRect(60, 30, 2, 2, 0x00bb00);
    s.present();                                            // frame 3 -> page 1: the square (from frame 2) and the new one
    expect(fbOffsetY()).toBe(32);
    expect(fbWord(32 * 256)).toBe(0xaa0000);
    expect(fbWord((32 + 31) * 256 + 61 * 4)).toBe(0x00bb00);
    expect(s.shownPage).toBe(1);
  });

  it("a firmware without room for two pages gives one, and present() then never flips", () => {
    display(64, 32, 0, -1, 32);
    const s = screen.open(64, 32, true)!;
    expect(s.pages).toBe(1);
    s.present();
    expect(fbOffsetY()).toBe(0);
  });

  it("refusals are values with reasons: another depth, no buffer, a silly size, a second size", () => {
    display(64, 32, 16);
    expect(screen.open(64, 32)).toBeNull();
    expect(screen.lastError()).toBe("screen: the firmware gave 16 bits per pixel; the screen draws 32");
    display(64, 32, 0, -1, 64, false);
    expect(screen.open()).toBeNull();
    expect(screen.lastError().includes("allocated no framebuffer")).toBe(true);
    display();
    expect(screen.open(-1, 10)).toBeNull();
    expect(screen.lastError().includes("1 to 4096")).toBe(true);
    expect(screen.open()).not.toBeNull();                   // the display's own size: 64x32
    expect(screen.open(320, 200)).toBeNull();
    expect(screen.lastError()).toBe("screen: already open at 64x32; the firmware keeps one framebuffer");
  });

  it("close() gives the buffer back: a copy after it is refused by the host", () => {
    display();
    closed = screen.open(64, 32)!;
    screen.close();
    closed!.pixel(0, 0, 1);
    expect(() => { closed!.present(); }).toThrow();
  });
});
