// `make flash DEVICE=/dev/sdX`: writes build/sdcard.img to an SD card, then
// reads it back and compares sha256. Before writing it refuses, saying why:
//   - a path that does not exist or is not a block device;
//   - a partition (/dev/sdb1, /dev/mmcblk0p1) instead of the whole disk;
//   - a disk with a mounted partition (unmount it first);
//   - the disk that holds /, /boot, /boot/efi, /usr, /var, /home, /etc, /opt
//     (SYSTEM_MOUNTS) or swap (always);
//   - a disk that has holders, or one of whose partitions does: the device
//     mapper (LVM, LUKS, dm-verity), md RAID, bcache (always: a root on
//     /dev/mapper/... or /dev/md0 is not a mount of the disk's own partitions,
//     so only this sees it);
//   - a disk the kernel does not call removable (unless FORCE=1); an mmcblk
//     disk counts as removable only if its device/type is SD: a built-in eMMC
//     (type MMC) or one of unknown type is refused unless FORCE=1;
//   - a disk larger than MAX_CARD_BYTES (unless FORCE=1), or smaller than the image.
// Then it shows the disk's model and size and asks for "yes" (unless YES=1),
// and opens the disk exclusively (O_EXCL), which Linux refuses (EBUSY) if the
// disk is mounted anywhere, held, or opened exclusively by another program.
// (It also refuses when there is no blockdev, which it needs to flush.)
// A failed write, fsync or flush is an error; the read-back uses O_DIRECT, so
// it reads the card and not the kernel's cached copy.
//
// Everything it learns about the machine goes through a `System` (real:
// /dev, /sys/class/block, /proc/self/mounts, /proc/swaps), so the tests can
// describe a fake machine and check each refusal.
//
//   node flash.js --device /dev/sdX [--force] [--yes] build/sdcard.img
import { accessSync, closeSync, constants, existsSync, fstatSync, fsyncSync, openSync, readdirSync, readFileSync, readSync, realpathSync, statSync, writeSync } from "node:fs";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { basename, join } from "node:path";
import { programOf } from "./sdcard.js";
import { how } from "../cli/how.js";
import { createInterface } from "node:readline/promises";

/** Larger than this is not an SD card we expect (SDXC cards go up to 2 TB, but few are above 256 GB). */
export const MAX_CARD_BYTES = 256 * 2 ** 30;
const SYSTEM_MOUNTS = ["/", "/boot", "/boot/efi", "/usr", "/var", "/home", "/etc", "/opt"];

export interface System {
  /** Resolves symlinks (/dev/disk/by-id/...); null if the path does not exist. */
  resolve(path: string): string | null;
  isBlockDevice(path: string): boolean;
  /** Contents of a file under /sys/class/block, or null. */
  sysBlock(name: string, file: string): string | null;
  /** Entries of a directory under /sys/class/block (such as `sda2`, `holders`), or null. */
  sysBlockList(name: string, dir: string): string[] | null;
  /** Lines of /proc/self/mounts and /proc/swaps. */
  mounts(): Array<{ source: string; target: string }>;
  swaps(): string[];
}

export const realSystem: System = {
  resolve: (p) => { try { return realpathSync(p); } catch { return null; } },
  isBlockDevice: (p) => { try { return statSync(p).isBlockDevice(); } catch { return false; } },
  sysBlock: (name, file) => { try { return readFileSync(`/sys/class/block/${name}/${file}`, "utf8").trim(); } catch { return null; } },
  sysBlockList: (name, dir) => { try { return readdirSync(`/sys/class/block/${name}/${dir}`); } catch { return null; } },
  mounts: () => readLines("/proc/self/mounts").map((l) => l.split(" ")).map(([source, target]) => ({ source: unescape(source), target: unescape(target) })),
  swaps: () => readLines("/proc/swaps").slice(1).map((l) => l.split(/\s+/)[0]),
};

function readLines(p: string): string[] { try { return readFileSync(p, "utf8").split("\n").filter((l) => l.trim()); } catch { return []; } }
function unescape(s: string): string { return s.replace(/\\(\d{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8))); }

export interface Disk { device: string; name: string; bytes: number; model: string; removable: boolean }

export interface CheckOptions { force: boolean; imageBytes: number }

/** The disk behind `device` if it may be written; otherwise throws an Error saying why. */
export function checkDevice(device: string, sys: System, opts: CheckOptions): Disk {
  if (!device) throw new Error("no device: run make flash DEVICE=/dev/sdX (lsblk lists the disks; the card is the one that appears when you plug it in)");
  const path = sys.resolve(device);
  if (!path) throw new Error(`${device} does not exist`);
  if (!sys.isBlockDevice(path)) throw new Error(`${device} is not a block device: give the card's device, such as /dev/sdb or /dev/mmcblk0`);
  const name = basename(path);
  if (sys.sysBlock(name, "partition") !== null) {
    const parent = wholeDisk(name, sys);
    throw new Error(`${device} is a partition${parent ? ` of /dev/${parent}` : ""}: give the whole disk${parent ? ` (/dev/${parent})` : ""}, the image has its own partition table`);
  }
  const parts = partitionsOf(name, sys);
  const members = new Set([`/dev/${name}`, ...parts.map((p) => `/dev/${p}`)]);
  const mounted = sys.mounts().filter((m) => members.has(sys.resolve(m.source) ?? m.source));
  const system = mounted.filter((m) => SYSTEM_MOUNTS.includes(m.target));
  if (system.length) throw new Error(`${device} holds ${system.map((m) => m.target).join(", ")} of this machine: refusing (FORCE does not change this)`);
  const swap = sys.swaps().filter((s) => members.has(sys.resolve(s) ?? s));
  if (swap.length) throw new Error(`${device} holds this machine's swap (${swap.join(", ")}): refusing (FORCE does not change this)`);
  const held = holdersOf([name, ...parts], sys);
  if (held.length) {
    const via = new Set(held.flatMap((h) => [`/dev/${h.holder}`, ...(h.dm ? [`/dev/mapper/${h.dm}`] : [])]));
    const on = sys.mounts().filter((m) => via.has(m.source) || via.has(sys.resolve(m.source) ?? "")).map((m) => m.target);
    const uses = [...(on.length ? [`mounted on ${on.join(", ")}`] : []),
      ...(sys.swaps().some((s) => via.has(s) || via.has(sys.resolve(s) ?? "")) ? ["used as swap"] : [])];
    throw new Error(`${device} is in use by ${held.map((h) => `${h.of} -> ${h.holder}${h.dm ? ` (${h.dm})` : ""}`).join(", ")}`
      + `${uses.length ? `, ${uses.join(", ")}` : ""}: refusing (FORCE does not change this). `
      + "If this disk is not one this machine runs on, stop what holds it first (umount; then vgchange -an, cryptsetup close or dmsetup remove for device-mapper names, mdadm --stop for md)");
  }
  if (mounted.length) {
    throw new Error(`${device} has mounted partitions: ${mounted.map((m) => `${m.source} on ${m.target}`).join(", ")}; unmount them first (umount ${mounted.map((m) => m.source).join(" ")})`);
  }
  const sectors = Number(sys.sysBlock(name, "size") ?? "0");
  const bytes = sectors * 512;
  if (!bytes) throw new Error(`${device} has no size (no card in the reader?)`);
  if (bytes < opts.imageBytes) throw new Error(`${device} holds ${human(bytes)}, less than the image (${human(opts.imageBytes)})`);
  // An mmcblk disk is an SD card only if the MMC core says so: a built-in eMMC
  // (the machine's own disk on many boards and laptops) is an mmcblk too, and
  // says MMC. (mmcblkNbootM, the eMMC's boot areas, have the same device.)
  const mmc = /^mmcblk\d+/.test(name);
  const mmcType = mmc ? sys.sysBlock(name, "device/type") : null;
  const removable = sys.sysBlock(name, "removable") === "1" || mmcType === "SD";
  const model = [sys.sysBlock(name, "device/vendor"), sys.sysBlock(name, "device/model")].filter((x) => x).join(" ")
    || (mmc && sys.sysBlock(name, "device/name")) || "unknown model";
  if (mmc && mmcType !== "SD" && !opts.force) {
    const what = mmcType === "MMC" ? "a built-in eMMC (its device/type is MMC), not an SD card"
      : `an MMC device of unknown type (device/type is ${mmcType === null ? "missing" : `"${mmcType}"`}), not known to be an SD card`;
    throw new Error(`${device} (${model}, ${human(bytes)}) is ${what}: an SD card's type is SD (cat /sys/class/block/${name}/device/type); if this really is the card you mean to write, run again with FORCE=1`);
  }
  if (!removable && !opts.force) throw new Error(`${device} (${model}, ${human(bytes)}) is not a removable disk: if it really is your SD card, run again with FORCE=1`);
  if (bytes > MAX_CARD_BYTES && !opts.force) throw new Error(`${device} (${model}) holds ${human(bytes)}, more than an SD card usually does: if it really is your card, run again with FORCE=1`);
  return { device: path, name, bytes, model, removable };
}

function partitionsOf(name: string, sys: System): string[] {
  const out: string[] = [];
  for (let i = 1; i <= 128; i++) {
    for (const p of [`${name}${i}`, `${name}p${i}`]) if (sys.sysBlock(p, "partition") !== null) out.push(p);
  }
  return out;
}

interface Holder { of: string; holder: string; dm: string | null }

/**
 * What holds these block devices (/sys/class/block/<dev>/holders), and what
 * holds those in turn (LUKS on LVM: sda2 -> dm-0 -> dm-1), with the
 * device-mapper name where there is one (dm-1 -> "vg-root").
 */
function holdersOf(names: string[], sys: System): Holder[] {
  const out: Holder[] = [];
  const seen = new Set(names);
  const todo = [...names];
  while (todo.length) {
    const of = todo.shift()!;
    for (const holder of sys.sysBlockList(of, "holders") ?? []) {
      out.push({ of, holder, dm: sys.sysBlock(holder, "dm/name") });
      if (!seen.has(holder)) { seen.add(holder); todo.push(holder); }
    }
  }
  return out;
}

function wholeDisk(part: string, sys: System): string | null {
  const m = part.match(/^(.*?)(p?)(\d+)$/);
  if (!m) return null;
  for (const cand of [m[1], m[1] + m[2]]) if (cand && sys.sysBlock(cand, "size") !== null && sys.sysBlock(cand, "partition") === null) return cand;
  return null;
}

export function human(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/**
 * Writes `image` to `target` (a device, or any file), syncs, reads the same
 * number of bytes back and compares sha256. Progress goes to `progress`.
 * Returns the hash. (`readFrom` and `direct` are for the tests: a card that
 * reads back something else than what was written; `direct` false verifies
 * as if the kernel had refused O_DIRECT.)
 *
 * A block device is opened with O_EXCL, and held so until the read-back is
 * done: Linux then refuses the open (EBUSY) if the disk is mounted (in any
 * mount namespace), held by the device mapper or md, or opened exclusively by
 * another program (a second flasher, a partitioner), and refuses them a mount
 * or an exclusive open while we write. Other files are opened without it: O_EXCL
 * without O_CREAT is defined only for block devices (open(2)).
 *
 * Every step that can lose the image is an error with the device named: a
 * write, the fsync, `blockdev --flushbufs` (looked for before writing), the
 * close.
 */
export function writeAndVerify(image: string, target: string, progress: (line: string) => void = () => {}, readFrom = target, direct = true): string {
  const data = readFileSync(image);
  const want = createHash("sha256").update(data).digest("hex");
  const chunk = 4 << 20;
  const block = statSync(target).isBlockDevice();
  const blockdev = block ? findBlockdev() : null;
  if (block && !blockdev) {
    throw new Error(`blockdev (from util-linux) is not in PATH, /usr/sbin or /sbin: the flasher needs it to flush ${target} and drop the kernel's cached copy `
      + "before reading the card back; install util-linux and run again; nothing was written");
  }
  let fd: number;
  try {
    fd = openSync(target, constants.O_RDWR | (block ? constants.O_EXCL : 0));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EBUSY") {
      throw new Error(`${target} is in use (EBUSY: mounted, perhaps by another user or container, or held by LVM, LUKS, md, swap or another program): `
        + `unmount it or close what holds it, then run again (lsblk ${target} and fuser -vm ${target} show what uses it); nothing was written`);
    }
    throw e;
  }
  let got = "", failure: unknown = null;
  try {
    const started = Date.now();
    for (let off = 0; off < data.length; off += chunk) {
      const n = Math.min(chunk, data.length - off);
      let done = 0;
      try {
        while (done < n) done += writeSync(fd, data, off + done, n - done, off + done);
      } catch (e) {
        throw new Error(`writing ${target} failed at byte ${off + done} (${errText(e)}); the card does not hold the image`);
      }
      const secs = Math.max((Date.now() - started) / 1000, 0.001);
      progress(`writing ${Math.floor(((off + n) * 100) / data.length)}%  ${((off + n) / 2 ** 20 / secs).toFixed(1)} MB/s`);
    }
    progress("syncing");
    try {
      fsyncSync(fd);
    } catch (e) {
      throw new Error(`syncing ${target} failed (${errText(e)}): the kernel could not write all of the image to it; `
        + "the card may be failing or read-only, or the reader was unplugged: check dmesg, then flash again");
    }
    // Drop the kernel's cached copy, so the read-back comes from the card.
    if (blockdev) flushBufs(blockdev, target);
    got = readBack(readFrom, data.length, chunk, progress, direct);
    if (got !== want) throw new Error(`verification failed: ${readFrom} reads back sha256 ${got}, the image is ${want}; the card may be failing`);
  } catch (e) {
    failure = e;
  }
  try {
    closeSync(fd);
  } catch (e) {
    failure ??= new Error(`closing ${target} failed (${errText(e)}): the image may not be fully written; flash again`);
  }
  if (failure) throw failure;
  return got;
}

function errText(e: unknown): string { return e instanceof Error ? e.message : String(e); }

/**
 * blockdev's path: in PATH, or in /usr/sbin or /sbin, which a user's PATH
 * often lacks (Debian) though a member of group disk may write the card.
 */
export function findBlockdev(search = `${process.env.PATH ?? ""}:/usr/sbin:/sbin`): string | null {
  for (const dir of search.split(":")) {
    if (!dir) continue;
    const p = join(dir, "blockdev");
    try { if (statSync(p).isFile()) { accessSync(p, constants.X_OK); return p; } } catch { /* not here */ }
  }
  return null;
}

/**
 * `blockdev --flushbufs` (the BLKFLSBUF ioctl, which node cannot make):
 * writes back what is still dirty and drops the clean pages the kernel
 * caches for the device. A failure is an error: it reports the write-back
 * errors too, and without it the read-back could come from the cache.
 */
function flushBufs(blockdev: string, dev: string): void {
  const r = spawnSync(blockdev, ["--flushbufs", dev], { encoding: "utf8", stdio: ["ignore", "ignore", "pipe"] });
  const why = r.error ? r.error.message : r.status !== 0 ? (r.stderr.trim() || `exit status ${r.status ?? r.signal}`) : null;
  if (why !== null) {
    throw new Error(`flushing ${dev} failed (${blockdev} --flushbufs: ${why}): the image may not be fully on the card, and reading it back could `
      + "read the kernel's cached copy; check dmesg and the reader, then flash again");
  }
}

/**
 * sha256 of the first `length` bytes of `path`, read from the device and not
 * from the kernel's page cache, which still holds what was just written and
 * would hide a card that lost it (a fake-capacity card that wraps around).
 *
 * What it guarantees: with O_DIRECT every byte hashed was read from the
 * device by this pass. The kernel first writes back dirty cached pages of
 * that range (there are none after the fsync) but never answers from the
 * cache. No host read can see behind the card's own controller: a card that
 * answers from a cache of its own is not caught.
 * O_DIRECT needs the memory, the position and the length aligned to the
 * device (its DMA alignment, at most a page; its logical block size, 512 or
 * 4096 bytes). Buffer.alloc's memory comes from malloc and is only 16-byte
 * aligned (a 4 MiB Buffer reads EINVAL from a loop device); a WebAssembly
 * memory is mapped by V8 page by page, so it starts on a page boundary.
 * Positions and lengths are rounded up to 4096 (the device is at least the
 * image's size; past its end a read is short, which is fine).
 *
 * If the kernel refuses O_DIRECT anyway (EINVAL, at the open or a read),
 * it falls back, and says so: for a block device, blockdev --flushbufs again
 * and then buffered reads; that drops every clean cached page of the disk,
 * so what the reads return comes from the card (except pages another
 * program has mmap()ed, which the kernel keeps). For a regular file (the
 * tests; tmpfs before Linux 6.6 has no O_DIRECT), buffered reads: a file has
 * no card under it, what a read returns is what it holds.
 */
function readBack(path: string, length: number, chunk: number, progress: (line: string) => void, direct: boolean): string {
  let reason = "not asked for";
  if (direct) {
    try {
      return readPass(path, length, chunk, progress, true);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EINVAL") throw e;
      reason = `${path} refused it: ${errText(e)}`;
    }
  }
  if (statSync(path).isBlockDevice()) {
    const blockdev = findBlockdev();
    if (!blockdev) throw new Error(`cannot verify ${path}: it refused O_DIRECT and there is no blockdev to drop the kernel's cached copy; install util-linux and flash again`);
    flushBufs(blockdev, path);
    progress(`verifying without O_DIRECT (${reason}): the kernel's cached copy was dropped just before (blockdev --flushbufs), so the reads come from the card`);
  } else {
    progress(`verifying without O_DIRECT (${reason}): ${path} is a file, not a card, so reading it through the page cache reads what it holds`);
  }
  return readPass(path, length, chunk, progress, false);
}

function readPass(path: string, length: number, chunk: number, progress: (line: string) => void, direct: boolean): string {
  const align = 4096;
  const hash = createHash("sha256");
  const buf = direct ? Buffer.from(new WebAssembly.Memory({ initial: chunk / 65536, maximum: chunk / 65536 }).buffer) : Buffer.alloc(chunk);
  const rfd = openSync(path, constants.O_RDONLY | (direct ? constants.O_DIRECT : 0));
  try {
    for (let off = 0; off < length; off += chunk) {
      const n = Math.min(chunk, length - off);
      let got = 0;
      while (got < n) {
        const want = direct ? Math.min(Math.ceil((n - got) / align) * align, chunk - got) : n - got;
        const r = readSync(rfd, buf, got, want, off + got);
        if (r === 0) throw new Error(`reading ${path} back stopped at ${off + got} bytes`);
        got += r;
      }
      hash.update(buf.subarray(0, n));
      progress(`verifying ${Math.floor(((off + n) * 100) / length)}%`);
    }
  } finally {
    closeSync(rfd);
  }
  return hash.digest("hex");
}

/**
 * Why the card image must not be written, or null. make flash writes the
 * card that make sdcard built and builds nothing itself (it once rebuilt
 * sdcard.img with the tour over the card just built for another program):
 * `program` is the program make flash was asked for (null: whatever the card
 * holds), `stale` that make found the card older than that program's sources.
 */
export function cardProblem(image: string, program: string | null, stale: boolean): string | null {
  const name = (app: string) => app || "the default kernel (assembly/main.ts)";
  const build = (app: string) => how(app ? `sdcard APP=${app}` : "sdcard", "sdcard");
  if (!existsSync(image)) return `${image} does not exist: ${how("flash", "flash")} writes the card that ${how("sdcard", "sdcard")} built, and builds nothing; run ${build(program ?? "")} first`;
  let held: string | null = null;
  try { held = readFileSync(programOf(image), "utf8").trim(); } catch { /* a card made before make sdcard named its program */ }
  if (program !== null && held !== null && held !== program)
    return `${image} holds ${name(held)}, not ${name(program)}: run ${build(program)} first (or ${how(held ? `flash APP=${held}` : "flash", "flash")} to write the card as it is)`;
  if (stale) return `${image} is older than the sources of ${name(program ?? held ?? "")}: run ${build(program ?? held ?? "")} first`;
  return null;
}

async function main(argv: string[]): Promise<number> {
  let device = "", force = false, yes = false, image = "build/sdcard.img", program: string | null = null, stale = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--device") device = argv[++i] ?? "";
    else if (argv[i] === "--force") force = true;
    else if (argv[i] === "--yes") yes = true;
    else if (argv[i] === "--program") program = argv[++i] ?? "";
    else if (argv[i] === "--stale") stale = true;
    else image = argv[i];
  }
  const problem = cardProblem(image, program, stale);
  if (problem) { console.error(`flash: error: ${problem}`); return 2; }
  let disk: Disk;
  try {
    disk = checkDevice(device, realSystem, { force, imageBytes: fstatSync(openSync(image, "r")).size });
  } catch (e) {
    console.error(`flash: refusing: ${(e as Error).message}`);
    return 2;
  }
  console.log(`flash: ${image} -> ${disk.device}: ${disk.model}, ${human(disk.bytes)}${disk.removable ? ", removable" : ""}`);
  console.log("flash: everything on that disk will be lost.");
  if (!yes) {
    if (!process.stdin.isTTY) { console.error("flash: refusing: no terminal to confirm on; run again with YES=1 if you are sure"); return 2; }
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    const answer = (await rl.question(`flash: type "yes" to write ${disk.device}: `)).trim();
    rl.close();
    if (answer !== "yes") { console.error("flash: not written"); return 1; }
  }
  try {
    const tty = process.stderr.isTTY;
    // Progress overwrites itself on a terminal; a note (no O_DIRECT) keeps its line.
    const hash = writeAndVerify(image, disk.device, (l) => process.stderr.write(
      !tty ? `  ${l}\n` : /^(writing|verifying) \d+%|^syncing$/.test(l) ? `\r  ${l.padEnd(40)}` : `\r  ${l}\n`));
    if (tty) process.stderr.write("\n");
    console.log(`flash: written and verified (sha256 ${hash}); you can remove the card`);
    return 0;
  } catch (e) {
    console.error(`\nflash: error: ${(e as Error).message}`);
    return 1;
  }
}

if (process.argv[1]?.endsWith("flash.js")) main(process.argv.slice(2)).then((c) => process.exit(c));
