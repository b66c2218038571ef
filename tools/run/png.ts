// PNG, as far as the tests need it: decode the pictures QEMU's screendump
// writes (8-bit RGB or RGBA, not interlaced) and compare two of them pixel by
// pixel. The format is the W3C PNG specification (third edition): the
// signature, chunks (length, type, data, CRC), IHDR, the IDAT stream
// (zlib), one filter byte per row (§7.3, filters 0-4 of §9).
import { inflateSync } from "node:zlib";

export interface Picture {
  width: number;
  height: number;
  /** 3 bytes a pixel (red, green, blue), row by row. */
  rgb: Uint8Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Decodes a PNG; throws saying what it cannot read. */
export function decodePng(png: Uint8Array): Picture {
  const bytes = Buffer.from(png.buffer, png.byteOffset, png.byteLength);
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw new Error("png: not a PNG file (no signature)");
  let width = 0, height = 0, channels = 0;
  const idat: Buffer[] = [];
  for (let at = 8; at + 8 <= bytes.length;) {
    const length = bytes.readUInt32BE(at), type = bytes.toString("latin1", at + 4, at + 8);
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (type === "IHDR") {
      width = data.readUInt32BE(0); height = data.readUInt32BE(4);
      const depth = data[8], colour = data[9], interlace = data[12];
      if (depth !== 8 || (colour !== 2 && colour !== 6) || interlace !== 0)
        throw new Error(`png: bit depth ${depth}, colour type ${colour}, interlace ${interlace}: only 8-bit RGB or RGBA, not interlaced`);
      channels = colour === 2 ? 3 : 4;
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    at += 12 + length;
  }
  if (!channels) throw new Error("png: no IHDR chunk");
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) throw new Error(`png: ${raw.length} bytes of image data for ${width}x${height}`);
  const rows = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = rows.subarray(y * stride, (y + 1) * stride);
    const prior = y > 0 ? rows.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[i - channels] : 0, b = prior[i], c = i >= channels ? prior[i - channels] : 0;
      let v: number;
      switch (filter) {
        case 0: v = 0; break;
        case 1: v = a; break;
        case 2: v = b; break;
        case 3: v = (a + b) >> 1; break;
        case 4: { const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c); v = pa <= pb && pa <= pc ? a : pb <= pc ? b : c; break; }
        default: throw new Error(`png: row ${y} has filter ${filter} (0 to 4)`);
      }
      out[i] = (src[i] + v) & 0xff;
    }
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) for (let k = 0; k < 3; k++) rgb[p * 3 + k] = rows[p * channels + k];
  return { width, height, rgb };
}

/** The colour at (x, y) as 0xRRGGBB. */
export function pixelAt(p: Picture, x: number, y: number): number {
  const i = (y * p.width + x) * 3;
  return (p.rgb[i] << 16) | (p.rgb[i + 1] << 8) | p.rgb[i + 2];
}

/** How two pictures differ: null when they are the same size and every pixel is equal. */
export function comparePictures(got: Picture, want: Picture): { pixels: number; first: string } | null {
  if (got.width !== want.width || got.height !== want.height)
    return { pixels: -1, first: `the sizes differ: ${got.width}x${got.height}, expected ${want.width}x${want.height}` };
  let pixels = 0, first = "";
  for (let y = 0; y < got.height; y++) for (let x = 0; x < got.width; x++) {
    const a = pixelAt(got, x, y), b = pixelAt(want, x, y);
    if (a === b) continue;
    if (!pixels) first = `(${x}, ${y}) is #${a.toString(16).padStart(6, "0")}, expected #${b.toString(16).padStart(6, "0")}`;
    pixels++;
  }
  return pixels ? { pixels, first } : null;
}
