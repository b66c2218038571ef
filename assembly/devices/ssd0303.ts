// The Solomon Systech SSD0303 OLED controller on I2C: display RAM of 132
// columns by 64 rows (8 pages of 8), of which a panel shows a window. The
// default is the panel QEMU models (-device ssd0303: an OSRAM Pictiva of 96
// by 16 pixels on the controller's columns 36-131 and rows 0-15, as on TI's
// Stellaris evaluation boards); another panel gives its size and its first
// column.
//
//   const oled = new Ssd0303(i2c.open(1));           // address 0x3C (SA0 low; 0x3D high), 96x16 from column 36
//   await oled.configure();                          // initialised, the panel's RAM cleared, the display on
//   oled.text(0, 0, "21.5 C");                       // the font in 8x8 cells: 12 characters to a line here
//   oled.fillRect(0, 12, 96, 2, true);
//   await oled.show();                               // the pages drawn on
//
// The I2C protocol is the SSD1306's (the same family): after the address,
// a control byte says what follows: Co (bit 7) set, one byte, then another
// control byte; clear, every byte to the end of the transfer; D/C# (bit 6)
// set, display RAM data; clear, commands. QEMU's model takes only 0x80 (one
// command byte follows) and 0x40 (data to the end), so the driver sends a
// command, and each of its parameters, after its own 0x80, which the part
// takes too. Addressing is the page mode of the SSD0303's family: 0xB0-0xB7
// sets the page, 0x00-0x0F and 0x10-0x1F the column's low and high nibbles,
// and each data byte (a column of 8 rows, bit 0 on top, the canvas's
// layout: assembly/gfx/mono.ts) goes to the column, which then moves on;
// the page does not. So show() sends each page drawn on as its page and
// column commands, then its bytes 32 to a transfer after 0x40.
//
// The controller has no identity register and does not answer reads (QEMU's
// model neither): a part that acknowledges at the address is taken for one.
// One task should draw on a display: two show()s at once interleave.
import * as i2c from "../drivers/i2c";
import { I2cError } from "../drivers/i2c";
import { MonoCanvas } from "../gfx/mono";

// Commands.
const DISPLAY_OFF: u8 = 0xae, DISPLAY_ON: u8 = 0xaf, CONTRAST: u8 = 0x81;
const NORMAL: u8 = 0xa6, INVERSE: u8 = 0xa7, FOLLOW_RAM: u8 = 0xa4, ENTIRE_ON: u8 = 0xa5;
const MULTIPLEX: u8 = 0xa8, OFFSET: u8 = 0xd3, START_LINE: u8 = 0x40;
const SEGMENT_NORMAL: u8 = 0xa0, COM_SCAN_NORMAL: u8 = 0xc0;
const PAGE: u8 = 0xb0, COLUMN_LOW: u8 = 0x00, COLUMN_HIGH: u8 = 0x10;
// Control bytes: one command byte follows (Co 1, D/C# 0); data to the end of the transfer (Co 0, D/C# 1).
const COMMAND: u8 = 0x80, DATA: u8 = 0x40;
/** Display bytes per transfer (with the control byte, 33). */
const CHUNK: i32 = 32;
/** The controller's display RAM: 132 columns, 64 rows. */
export const SSD0303_COLUMNS: i32 = 132;
export const SSD0303_ROWS: i32 = 64;

/** `width` if a panel of `width` by `height` from column `first` fits the controller's RAM; a programming error otherwise. */
function checkedWidth(width: i32, height: i32, first: i32): i32 {
  if (width < 1 || first < 0 || first + width > SSD0303_COLUMNS || height < 8 || height > SSD0303_ROWS || height % 8 != 0) {
    throw new Error("ssd0303: a " + width.toString() + "x" + height.toString() + " panel from column " + first.toString() + " is not one the controller drives (132 columns, 8-64 rows in 8s)");
  }
  return width;
}

export class Ssd0303 extends MonoCanvas {
  device: i2c.Device;
  /** The last call's bus error (None after a good one). */
  error: I2cError = I2cError.None;

  /**
   * A panel of `width` by `height` pixels whose left column is the
   * controller's column `firstColumn` (QEMU's: 96 by 16 from column 36);
   * 400 kHz.
   */
  constructor(bus: i2c.Bus, address: u32 = 0x3c, width: i32 = 96, height: i32 = 16, public readonly firstColumn: i32 = 36, hz: u32 = 400_000) {
    super(checkedWidth(width, height, firstColumn), height);
    this.device = bus.device(address, hz);
  }

  /**
   * Display off, the multiplex ratio for the panel's rows, display offset
   * and start line 0, segments and COM scan in their reset order, contrast
   * 0x80, the display following RAM in normal polarity; then the panel's
   * RAM cleared (random at power-up) and the display on. (A panel wired
   * otherwise, or one needing the DC-DC converter (0xAD), sets them after.)
   */
  async configure(): Promise<I2cError> {
    const ops: u8[] = [DISPLAY_OFF, MULTIPLEX, <u8>(this.height - 1), OFFSET, 0, START_LINE, SEGMENT_NORMAL, COM_SCAN_NORMAL, CONTRAST, 0x80, FOLLOW_RAM, NORMAL];
    this.error = await this.commands(ops);
    if (this.error != I2cError.None) return this.error;
    this.clear();
    this.error = await this.show();
    if (this.error != I2cError.None) return this.error;
    return await this.on();
  }

  /**
   * Sends the pages drawn on since the last show(): for each, the page and
   * its first column (one transfer), then its bytes, 32 after each 0x40.
   * On a bus error the pages not wholly sent stay to send.
   */
  async show(): Promise<I2cError> {
    const w: i32 = this.width;
    const column: i32 = this.firstColumn;
    for (let p: i32 = 0; p < this.pages; p++) {
      if (!(this.dirty & (<u32>1 << <u32>p))) continue;
      const at: u8[] = [<u8>(PAGE | <u8>p), <u8>(COLUMN_LOW | <u8>(column & 15)), <u8>(COLUMN_HIGH | <u8>(column >> 4))];
      this.error = await this.commands(at);
      if (this.error != I2cError.None) return this.error;
      for (let x: i32 = 0; x < w; x += CHUNK) {
        const n: i32 = min(CHUNK, w - x);
        const chunk: Uint8Array = new Uint8Array(n + 1);
        chunk[0] = DATA;
        memory.copy(chunk.dataStart + 1, this.buffer.dataStart + <usize>(p * w + x), <usize>n);
        this.error = await this.device.write(chunk);
        if (this.error != I2cError.None) return this.error;
      }
      this.dirty &= ~(<u32>1 << <u32>p);
    }
    return I2cError.None;
  }

  /** The display on (0xAF) or off (0xAE: the panel dark, the RAM kept). */
  async on(): Promise<I2cError> { return await this.command(DISPLAY_ON); }
  async off(): Promise<I2cError> { return await this.command(DISPLAY_OFF); }

  /** Inverse (0xA7: a 0 in RAM lit) or normal (0xA6) polarity; the canvas is unchanged. */
  async invert(inverse: bool): Promise<I2cError> { return await this.command(inverse ? INVERSE : NORMAL); }

  /** Every pixel lit whatever the RAM holds (0xA5), or the display following the RAM again (0xA4). */
  async allOn(on: bool): Promise<I2cError> { return await this.command(on ? ENTIRE_ON : FOLLOW_RAM); }

  /** Contrast 0-255 (0x81 and the level). */
  async contrast(level: u8): Promise<I2cError> {
    const ops: u8[] = [CONTRAST, level];
    return await this.commands(ops);
  }

  private async command(op: u8): Promise<I2cError> {
    const ops: u8[] = [op];
    return await this.commands(ops);
  }

  /** Command bytes (parameters too) in one transfer, each after its own 0x80. */
  private async commands(ops: u8[]): Promise<I2cError> {
    const c: Uint8Array = new Uint8Array(ops.length * 2);
    for (let i = 0; i < ops.length; i++) { c[2 * i] = COMMAND; c[2 * i + 1] = ops[i]; }
    this.error = await this.device.write(c);
    return this.error;
  }
}
