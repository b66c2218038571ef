// The fake firmware's framebuffer, for specs of drivers/screen.ts: it answers
// the framebuffer's property tags as the firmware does (wiki, "Mailbox
// property interface"; QEMU's bcm2835_fb follows the same), within limits a
// spec chooses (a depth or pixel order it insists on, a virtual height it
// will not exceed, no buffer at all), and gives the host module "fb" over a
// byte array, with the host's checks (boot/wasm/host_fb.c): a refused copy
// throws with the host's reason.
export interface FramebufferLimits {
  width: number;
  height: number;
  /** The depth it answers whatever is asked (0: the one asked for). */
  depth: number;
  /** The pixel order it answers (-1: the one asked for). */
  order: number;
  /** The tallest virtual framebuffer it gives. */
  maxVirtualHeight: number;
  /** Whether the allocate tag gives a buffer. */
  allocates: boolean;
}

export class FakeFramebuffer {
  width: number; height: number; virtualWidth: number; virtualHeight: number;
  depth = 32; order = 0; offsetY = 0;
  memory: Uint8Array | null = null;
  constructor(readonly limits: FramebufferLimits) {
    this.width = this.virtualWidth = limits.width;
    this.height = this.virtualHeight = limits.height;
  }
  get pitch(): number { return this.virtualWidth * (this.depth / 8); }

  /** The answer to `tag` with request words `req`, or undefined for a tag that is not the framebuffer's. */
  answer(tag: number, req: number[]): number[] | undefined {
    switch (tag) {
      case 0x00040003: return [this.width, this.height];
      case 0x00048003: this.width = req[0]; this.height = req[1]; return [this.width, this.height];
      case 0x00048004:
        this.virtualWidth = req[0];
        this.virtualHeight = Math.min(req[1], this.limits.maxVirtualHeight);
        return [this.virtualWidth, this.virtualHeight];
      case 0x00048009:
        if (req[1] + this.height <= this.virtualHeight) this.offsetY = req[1];
        return [0, this.offsetY];
      case 0x00048005: this.depth = this.limits.depth || req[0]; return [this.depth];
      case 0x00048006: this.order = this.limits.order >= 0 ? this.limits.order : req[0]; return [this.order];
      case 0x00040008: return [this.pitch];
      case 0x00040001:
        if (!this.limits.allocates) return [0, 0];
        this.memory = new Uint8Array(this.pitch * this.virtualHeight);
        return [(0xC0000000 | 0x3c100000) >>> 0, this.memory.length];
      case 0x00048001: this.memory = null; return [];
      default: return undefined;
    }
  }

  /** Module "fb" over the byte array, reading and writing the kernel's memory. */
  host(mem: () => Uint8Array) {
    const check = (op: string, offset: number, pitch: number, rowBytes: number, rows: number, at: number, atPitch: number): Uint8Array => {
      const fb = this.memory;
      if (!fb) throw new Error(`fb.${op}: no framebuffer: the firmware has not allocated one (mailbox tag 0x00040001)`);
      const end = offset + (rows - 1) * pitch + rowBytes;
      if (end > fb.length) throw new Error(`fb.${op}: ${rows} rows of ${rowBytes} bytes at offset ${offset}, ${pitch} apart, run past the framebuffer's ${fb.length} bytes`);
      if (atPitch >= 0 && at + (rows - 1) * atPitch + rowBytes > mem().length) throw new Error(`fb.${op}: the rows at 0x${at.toString(16)} run past the end of linear memory`);
      return fb;
    };
    return {
      bytes: () => this.memory?.length ?? 0,
      write: (offset: number, pitch: number, src: number, srcPitch: number, rowBytes: number, rows: number) => {
        if (!rows || !rowBytes) return;
        const fb = check("write", offset >>> 0, pitch >>> 0, rowBytes >>> 0, rows >>> 0, src >>> 0, srcPitch >>> 0);
        const m = mem();
        for (let r = 0; r < rows; r++) fb.set(m.subarray((src >>> 0) + r * srcPitch, (src >>> 0) + r * srcPitch + rowBytes), (offset >>> 0) + r * pitch);
      },
      read: (offset: number, pitch: number, dst: number, dstPitch: number, rowBytes: number, rows: number) => {
        if (!rows || !rowBytes) return;
        const fb = check("read", offset >>> 0, pitch >>> 0, rowBytes >>> 0, rows >>> 0, dst >>> 0, dstPitch >>> 0);
        const m = mem();
        for (let r = 0; r < rows; r++) m.set(fb.subarray((offset >>> 0) + r * pitch, (offset >>> 0) + r * pitch + rowBytes), (dst >>> 0) + r * dstPitch);
      },
      fill: (offset: number, pitch: number, rowBytes: number, rows: number, value: number) => {
        if ((offset | pitch | rowBytes) & 3) throw new Error(`fb.fill: offset ${offset}, pitch ${pitch} and row bytes ${rowBytes} must be multiples of 4`);
        if (!rows || !rowBytes) return;
        const fb = check("fill", offset >>> 0, pitch >>> 0, rowBytes >>> 0, rows >>> 0, 0, -1);
        const words = new DataView(fb.buffer);
        for (let r = 0; r < rows; r++) for (let k = 0; k < rowBytes; k += 4) words.setUint32((offset >>> 0) + r * pitch + k, value >>> 0, true);
      },
    };
  }

  /** The 32-bit word at byte `offset` of the framebuffer (0 without one). */
  word(offset: number): number {
    return this.memory && offset + 4 <= this.memory.length ? new DataView(this.memory.buffer).getUint32(offset, true) : 0;
  }
}
