// The Solomon Systech SSD1306 OLED controller on I2C, as on the common
// 128x64 and 128x32 monochrome modules (SSD1306 data sheet rev 1.1; section
// numbers below are its). Drawing goes to a 1-bit canvas in memory; show()
// sends the pages that changed.
//
//   const oled = new Ssd1306(i2c.open(1));           // address 0x3C (SA0 low; 0x3D high), 128x64
//   await oled.configure();                          // the init sequence, the RAM cleared, the display on
//   oled.fillRect(0, 0, 128, 8, true);               // a bar across the top
//   oled.pixel(64, 32, true);
//   await oled.show();                               // the changed pages, 33 bytes a write
//
// The canvas (assembly/gfx/mono.ts, shared with the SSD0303) has GDDRAM's
// layout (8.7): page p (rows 8p to 8p + 7) is `width` bytes, one a column,
// bit 0 the top row. So a page goes to the display as it is: configure()
// sets horizontal addressing (10.1.3), and show() sets the column and page
// window (0x21, 0x22) over each run of changed pages and writes their bytes
// after a 0x40 control byte (8.1.5.2: Co 0, D/C# 1: data follow), 32 to a
// transfer, so another device on the bus waits at most one short transfer. One task should draw on a display:
// two show()s at once interleave their windows.
//
// Text is the library's font in 8x8 cells (the canvas's text(): 16
// characters to a 128-pixel row, 8 lines on a 64-row display).
//
// QEMU has no SSD1306: the specs run the driver against a model of it
// (tools/testing/fake-i2c.ts) and read its display RAM back.
import * as i2c from "../drivers/i2c";
import { I2cError } from "../drivers/i2c";
import { MonoCanvas } from "../gfx/mono";

// Commands (9, 10).
const DISPLAY_OFF: u8 = 0xae, DISPLAY_ON: u8 = 0xaf, CONTRAST: u8 = 0x81;
const NORMAL: u8 = 0xa6, INVERSE: u8 = 0xa7, FOLLOW_RAM: u8 = 0xa4;
const ADDRESSING_MODE: u8 = 0x20, HORIZONTAL: u8 = 0x00, COLUMN_ADDRESS: u8 = 0x21, PAGE_ADDRESS: u8 = 0x22;
const CLOCK: u8 = 0xd5, MULTIPLEX: u8 = 0xa8, OFFSET: u8 = 0xd3, START_LINE: u8 = 0x40;
const CHARGE_PUMP: u8 = 0x8d, CHARGE_PUMP_ON: u8 = 0x14;
const SEGMENT_REMAP: u8 = 0xa1, COM_SCAN_REMAPPED: u8 = 0xc8, COM_PINS: u8 = 0xda;
// Control bytes (8.1.5.2).
const COMMANDS: u8 = 0x00, DATA: u8 = 0x40;
/** Display bytes per transfer (with the control byte, 33). */
const CHUNK: i32 = 32;

/** `width`, if the controller drives a display of `width` by `height` (width 1-128, height 8-64 in 8s); a programming error otherwise. */
function checkedWidth(width: i32, height: i32): i32 {
  if (width < 1 || width > 128 || height < 8 || height > 64 || height % 8 != 0) {
    throw new Error("ssd1306: " + width.toString() + "x" + height.toString() + " is not a size the controller drives (width 1-128, height 8-64 in 8s)");
  }
  return width;
}

export class Ssd1306 extends MonoCanvas {
  device: i2c.Device;
  /** The last call's bus error (None after a good one). */
  error: I2cError = I2cError.None;

  /** A display of `width` (1-128) by `height` (8-64, a multiple of 8) pixels; 400 kHz (the part's fast mode: 13, I2C timing). */
  constructor(bus: i2c.Bus, address: u32 = 0x3c, width: i32 = 128, height: i32 = 64, hz: u32 = 400_000) {
    super(checkedWidth(width, height), height);
    this.device = bus.device(address, hz);
  }

  /**
   * The initialisation of the data sheet's application note (display off,
   * clock, multiplex for the height, offset 0, start line 0, charge pump on
   * (the charge pump appendix: 8Dh 14h before AFh), horizontal addressing,
   * the segments and COM scan remapped as the modules are mounted, the COM
   * pin layout for the height, contrast, the display following RAM, normal
   * polarity), then the RAM cleared (its content at power-up is random) and
   * the display on.
   */
  async configure(): Promise<I2cError> {
    const c: Uint8Array = new Uint8Array(22);
    let n = 0;
    c[n++] = COMMANDS;
    c[n++] = DISPLAY_OFF;
    c[n++] = CLOCK; c[n++] = 0x80;                               // divide 1, oscillator at its reset setting
    c[n++] = MULTIPLEX; c[n++] = <u8>(this.height - 1);
    c[n++] = OFFSET; c[n++] = 0;
    c[n++] = START_LINE;
    c[n++] = CHARGE_PUMP; c[n++] = CHARGE_PUMP_ON;
    c[n++] = ADDRESSING_MODE; c[n++] = HORIZONTAL;
    c[n++] = SEGMENT_REMAP;
    c[n++] = COM_SCAN_REMAPPED;
    c[n++] = COM_PINS; c[n++] = this.height == 64 ? 0x12 : 0x02;   // alternative COM pins for 64 rows, sequential for fewer (10.1.18)
    c[n++] = CONTRAST; c[n++] = 0x7f;
    c[n++] = FOLLOW_RAM;
    c[n++] = NORMAL;
    this.error = await this.device.write(c);
    if (this.error != I2cError.None) return this.error;
    this.clear();
    this.error = await this.show();
    if (this.error != I2cError.None) return this.error;
    return await this.on();
  }

  // ---- the display -----------------------------------------------------------

  /**
   * Sends the pages drawn on since the last show(): for each run of them,
   * the window (0x21 column 0 to width - 1, 0x22 the run's pages), then
   * their bytes, 32 after each 0x40 control byte. On a bus error the pages
   * not wholly sent stay to send.
   */
  async show(): Promise<I2cError> {
    const w = this.width;
    let page: i32 = 0;
    while (page < this.pages) {
      if (!(this.dirty & (<u32>1 << <u32>page))) { page++; continue; }
      let last: i32 = page;
      while (last + 1 < this.pages && (this.dirty & (<u32>1 << <u32>(last + 1)))) last++;
      const window: Uint8Array = new Uint8Array(7);
      window[0] = COMMANDS;
      window[1] = COLUMN_ADDRESS; window[2] = 0; window[3] = <u8>(w - 1);
      window[4] = PAGE_ADDRESS; window[5] = <u8>page; window[6] = <u8>last;
      this.error = await this.device.write(window);
      if (this.error != I2cError.None) return this.error;
      for (let p: i32 = page; p <= last; p++) {
        for (let x: i32 = 0; x < w; x += CHUNK) {
          const n = min(CHUNK, w - x);
          const chunk: Uint8Array = new Uint8Array(n + 1);
          chunk[0] = DATA;
          memory.copy(chunk.dataStart + 1, this.buffer.dataStart + <usize>(p * w + x), <usize>n);
          this.error = await this.device.write(chunk);
          if (this.error != I2cError.None) return this.error;
        }
        this.dirty &= ~(<u32>1 << <u32>p);
      }
      page = last + 1;
    }
    return I2cError.None;
  }

  /** The display on (0xAF) or off (0xAE: the panel dark, the RAM kept; 10.1.12). */
  async on(): Promise<I2cError> { return await this.command(DISPLAY_ON); }
  async off(): Promise<I2cError> { return await this.command(DISPLAY_OFF); }

  /** Inverse (0xA7: a 0 in RAM lit) or normal (0xA6) polarity of the whole display (10.1.10); the canvas is unchanged. */
  async invert(inverse: bool): Promise<I2cError> { return await this.command(inverse ? INVERSE : NORMAL); }

  /** Contrast 0-255 (0x81; 0x7F at reset: 10.1.7). */
  async contrast(level: u8): Promise<I2cError> { return await this.command(CONTRAST, level, true); }

  /** One command (with one parameter if `hasParameter`). */
  private async command(op: u8, parameter: u8 = 0, hasParameter: bool = false): Promise<I2cError> {
    const c: Uint8Array = new Uint8Array(hasParameter ? 3 : 2);
    c[0] = COMMANDS; c[1] = op;
    if (hasParameter) c[2] = parameter;
    this.error = await this.device.write(c);
    return this.error;
  }
}
