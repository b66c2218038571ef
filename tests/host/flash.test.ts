// The flasher (tools/card/flash.ts): each refusal against a fake description of
// the machine, a real write-and-verify to a file, and to a loop device
// where the machine allows one.
import { describe, it, TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, closeSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkDevice, findBlockdev, writeAndVerify, realSystem, System, MAX_CARD_BYTES } from "../../tools/card/flash.js";

/** `type`: an mmcblk disk's device/type (SD, MMC); `name`: its device/name. */
interface FakeDisk { size: number; removable?: boolean; model?: string; parts?: number; mmc?: boolean; type?: string; name?: string }

/**
 * A machine with the given disks (name -> description), mounts, swaps,
 * symlinks and more files under /sys/class/block (`sda2/holders/dm-0`: ""
 * makes dm-0 a holder of sda2).
 */
function machine(disks: Record<string, FakeDisk>, mounts: Array<[string, string]> = [], swaps: string[] = [], links: Record<string, string> = {},
  sysfs: Record<string, string> = {}): System {
  const files = new Map<string, string>(Object.entries(sysfs));
  const devs = new Set<string>();
  for (const [name, d] of Object.entries(disks)) {
    devs.add(`/dev/${name}`);
    files.set(`${name}/size`, String(d.size / 512));
    files.set(`${name}/removable`, d.removable ? "1" : "0");
    if (d.model) files.set(`${name}/device/model`, d.model);
    if (d.type) files.set(`${name}/device/type`, d.type);
    if (d.name) files.set(`${name}/device/name`, d.name);
    for (let i = 1; i <= (d.parts ?? 0); i++) {
      const p = d.mmc || /\d$/.test(name) ? `${name}p${i}` : `${name}${i}`;
      devs.add(`/dev/${p}`);
      files.set(`${p}/partition`, String(i));
      files.set(`${p}/size`, "2048");
    }
  }
  return {
    resolve: (p) => links[p] ?? (devs.has(p) || p.startsWith("/tmp") ? p : null),
    isBlockDevice: (p) => devs.has(p),
    sysBlock: (name, file) => files.get(`${name}/${file}`) ?? null,
    sysBlockList: (name, dir) => {
      const prefix = `${name}/${dir}/`;
      const entries = [...files.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length).split("/")[0]);
      return [...new Set(entries)];
    },
    mounts: () => mounts.map(([source, target]) => ({ source, target })),
    swaps: () => swaps,
  };
}

/**
 * A loop device over `backing`, a new (sparse) file of `bytes` zero bytes
 * (more losetup options in `args`), detached when the test ends, or by
 * calling `detach`; null, with the test skipped, where this machine allows none.
 */
function loopDevice(t: TestContext, backing: string, bytes: number, args: string[] = []): string | null {
  writeFileSync(backing, "");
  truncateSync(backing, bytes);
  const setup = spawnSync("losetup", [...args, "--find", "--show", backing], { encoding: "utf8" });
  if (setup.status !== 0) { t.skip(`no loop device on this machine (losetup: ${(setup.stderr || setup.error?.message || "").trim()})`); return null; }
  const loop = setup.stdout.trim();
  t.after(() => detach(loop));
  return loop;
}
function detach(loop: string): void { spawnSync("losetup", ["-d", loop]); }

const GiB = 2 ** 30;
const card: FakeDisk = { size: 32 * GiB, removable: true, model: "SD Card Reader", parts: 2 };
const opts = { force: false, imageBytes: 129 * 2 ** 20 };

describe("flash: refusals", () => {
  it("accepts a removable card of a normal size, and names its model and size", () => {
    const d = checkDevice("/dev/sdb", machine({ sdb: card }), opts);
    assert.equal(d.device, "/dev/sdb");
    assert.equal(d.model, "SD Card Reader");
    assert.equal(d.bytes, 32 * GiB);
  });
  it("follows a /dev/disk/by-id link to the disk", () => {
    const d = checkDevice("/dev/disk/by-id/usb-card", machine({ sdb: card }, [], [], { "/dev/disk/by-id/usb-card": "/dev/sdb" }), opts);
    assert.equal(d.device, "/dev/sdb");
  });
  it("no device given", () => {
    assert.throws(() => checkDevice("", machine({}), opts), /no device: run make flash DEVICE=\/dev\/sdX/);
  });
  it("a path that does not exist, and one that is not a block device", () => {
    assert.throws(() => checkDevice("/dev/sdz", machine({}), opts), /\/dev\/sdz does not exist/);
    assert.throws(() => checkDevice("/tmp/file.img", machine({}), opts), /is not a block device/);
  });
  it("a partition instead of the whole disk, naming the disk", () => {
    assert.throws(() => checkDevice("/dev/sdb1", machine({ sdb: card }), opts), /\/dev\/sdb1 is a partition of \/dev\/sdb: give the whole disk \(\/dev\/sdb\)/);
    assert.throws(() => checkDevice("/dev/mmcblk0p1", machine({ mmcblk0: { ...card, mmc: true } }), opts), /is a partition of \/dev\/mmcblk0/);
  });
  it("a disk with a mounted partition, saying what to unmount", () => {
    assert.throws(() => checkDevice("/dev/sdb", machine({ sdb: card }, [["/dev/sdb1", "/media/me/boot"]]), opts),
      /has mounted partitions: \/dev\/sdb1 on \/media\/me\/boot; unmount them first \(umount \/dev\/sdb1\)/);
  });
  it("the disk holding / or a system mount or swap, even with FORCE", () => {
    const sys = machine({ sda: { size: 500 * GiB, parts: 3, model: "Samsung SSD" } }, [["/dev/sda2", "/"], ["/dev/sda1", "/boot/efi"]]);
    assert.throws(() => checkDevice("/dev/sda", sys, { ...opts, force: true }), /holds \/, \/boot\/efi of this machine: refusing \(FORCE does not change this\)/);
    const swap = machine({ sdc: card }, [], ["/dev/sdc2"]);
    assert.throws(() => checkDevice("/dev/sdc", swap, { ...opts, force: true }), /holds this machine's swap \(\/dev\/sdc2\)/);
  });
  it("a disk under LVM or LUKS (the root is /dev/mapper/...), even with FORCE, naming the holders and what they hold", () => {
    const lvm = machine({ sda: { size: 500 * GiB, parts: 2, model: "Samsung SSD" } },
      [["/dev/mapper/vg-root", "/"]], [],
      { "/dev/mapper/vg-root": "/dev/dm-0" }, { "sda2/holders/dm-0": "", "dm-0/dm/name": "vg-root" });
    assert.throws(() => checkDevice("/dev/sda", lvm, { ...opts, force: true }),
      /\/dev\/sda is in use by sda2 -> dm-0 \(vg-root\), mounted on \/: refusing \(FORCE does not change this\)\. If this disk .* vgchange -an, cryptsetup close/);
    // LUKS on LVM, on a removable disk: the chain is followed to what is mounted (/dev/dm-1 here, as some systems list it).
    const chain = machine({ sdb: card }, [["/dev/dm-1", "/home"]], [], {},
      { "sdb1/holders/dm-0": "", "dm-0/dm/name": "vg-crypt", "dm-0/holders/dm-1": "", "dm-1/dm/name": "home" });
    assert.throws(() => checkDevice("/dev/sdb", chain, { ...opts, force: true }), /is in use by sdb1 -> dm-0 \(vg-crypt\), dm-0 -> dm-1 \(home\), mounted on \/home: refusing/);
  });
  it("a disk, or a partition, held by something not mounted (a whole-disk LUKS, md RAID), even with FORCE", () => {
    const luks = machine({ sdb: card }, [], [], {}, { "sdb/holders/dm-3": "" });
    assert.throws(() => checkDevice("/dev/sdb", luks, { ...opts, force: true }), /\/dev\/sdb is in use by sdb -> dm-3: refusing \(FORCE does not change this\)/);
    const md = machine({ sdc: card }, [], ["/dev/md0"], {}, { "sdc2/holders/md0": "" });
    assert.throws(() => checkDevice("/dev/sdc", md, { ...opts, force: true }), /is in use by sdc2 -> md0, used as swap: refusing.*mdadm --stop/);
  });
  it("the real System lists directories under /sys/class/block (what the holders check reads)", (t) => {
    const disks = existsSync("/sys/class/block") ? readdirSync("/sys/class/block") : [];
    if (!disks.length) { t.skip("no /sys/class/block on this machine"); return; }
    assert.ok(Array.isArray(realSystem.sysBlockList(disks[0], "holders")), `holders of ${disks[0]}`);
    assert.ok(realSystem.sysBlockList(disks[0], "queue")?.includes("logical_block_size"));
    assert.equal(realSystem.sysBlockList("no-such-disk", "holders"), null);
  });
  it("a non-removable disk, unless FORCE=1", () => {
    const sys = machine({ sdb: { ...card, removable: false } });
    assert.throws(() => checkDevice("/dev/sdb", sys, opts), /is not a removable disk: if it really is your SD card, run again with FORCE=1/);
    assert.equal(checkDevice("/dev/sdb", sys, { ...opts, force: true }).device, "/dev/sdb");
  });
  it("an mmcblk disk whose device/type is SD (a card in a built-in slot) counts as removable", () => {
    assert.equal(checkDevice("/dev/mmcblk0", machine({ mmcblk0: { ...card, removable: false, mmc: true, type: "SD" } }), opts).device, "/dev/mmcblk0");
  });
  it("an mmcblk disk that is a built-in eMMC (device/type MMC), or of unknown type, unless FORCE=1", () => {
    const emmc = machine({ mmcblk0: { size: 32 * GiB, removable: false, mmc: true, parts: 2, type: "MMC", name: "8GTF4R" } });
    assert.throws(() => checkDevice("/dev/mmcblk0", emmc, opts),
      /\/dev\/mmcblk0 \(8GTF4R, 32\.0 GiB\) is a built-in eMMC \(its device\/type is MMC\), not an SD card: .*run again with FORCE=1/);
    assert.equal(checkDevice("/dev/mmcblk0", emmc, { ...opts, force: true }).device, "/dev/mmcblk0");
    const unknown = machine({ mmcblk1: { ...card, mmc: true } });
    assert.throws(() => checkDevice("/dev/mmcblk1", unknown, opts), /\/dev\/mmcblk1 .* is an MMC device of unknown type \(device\/type is missing\).*FORCE=1/);
    const sdio = machine({ mmcblk1: { ...card, mmc: true, type: "SDIO" } });
    assert.throws(() => checkDevice("/dev/mmcblk1", sdio, opts), /unknown type \(device\/type is "SDIO"\)/);
  });
  it("a disk much larger than an SD card, unless FORCE=1; one smaller than the image, always", () => {
    const big = machine({ sdb: { ...card, size: MAX_CARD_BYTES + GiB } });
    assert.throws(() => checkDevice("/dev/sdb", big, opts), /more than an SD card usually does: if it really is your card, run again with FORCE=1/);
    assert.equal(checkDevice("/dev/sdb", big, { ...opts, force: true }).device, "/dev/sdb");
    const tiny = machine({ sdb: { ...card, size: 64 * 2 ** 20 } });
    assert.throws(() => checkDevice("/dev/sdb", tiny, { ...opts, force: true }), /less than the image/);
  });
});

describe("flash: writing", () => {
  const dir = mkdtempSync(join(tmpdir(), "flash-"));
  const image = join(dir, "image.img");
  writeFileSync(image, Buffer.from(Array.from({ length: 5 << 20 }, (_, i) => (i * 7) & 0xff)));

  it("writes, reads back and verifies (to a file), reporting progress", () => {
    const target = join(dir, "card.bin");
    writeFileSync(target, Buffer.alloc(8 << 20, 0xee));
    const lines: string[] = [];
    writeAndVerify(image, target, (l) => lines.push(l));
    assert.deepEqual(readFileSync(target).subarray(0, 5 << 20), readFileSync(image));
    assert.ok(lines.some((l) => /^writing 100%\s+[\d.]+ MB\/s$/.test(l)), lines.join("\n"));
    assert.ok(lines.includes("verifying 100%"));
  });

  it("reports a write error instead of swallowing it (/dev/full)", () => {
    assert.throws(() => writeAndVerify(image, "/dev/full"), /ENOSPC|no space/i);
  });

  it("fails verification when the card reads back something else than was written", () => {
    const target = join(dir, "written.bin"), other = join(dir, "other.bin");
    writeFileSync(target, Buffer.alloc(8 << 20));
    writeFileSync(other, Buffer.alloc(8 << 20, 1));
    assert.throws(() => writeAndVerify(image, target, () => {}, other), /verification failed: \S*other\.bin reads back sha256 [0-9a-f]{64}, the image is [0-9a-f]{64}; the card may be failing/);
    const short = join(dir, "short.bin");
    writeFileSync(short, Buffer.alloc(1 << 20));
    assert.throws(() => writeAndVerify(image, target, () => {}, short), /reading \S*short\.bin back stopped at 1048576 bytes/);
  });

  it("refuses a device that another program holds exclusively (EBUSY, as when mounted), and writes nothing", (t) => {
    const backing = join(dir, "busy.bin");
    const loop = loopDevice(t, backing, 8 << 20);
    if (!loop) return;
    const holder = openSync(loop, constants.O_RDONLY | constants.O_EXCL);
    try {
      assert.throws(() => writeAndVerify(image, loop),
        new RegExp(`^Error: ${loop} is in use \\(EBUSY: mounted.*\\): unmount it or close what holds it, then run again \\(lsblk ${loop} .*\\); nothing was written$`));
    } finally {
      closeSync(holder);
    }
    assert.ok(readFileSync(backing).every((b) => b === 0), "the device was written");
  });

  it("a failed fsync is an error naming the device (a loop device on a full tmpfs; skipped where mount or losetup is not allowed)", (t) => {
    const mnt = mkdtempSync(join(tmpdir(), "flash-full-"));
    const m = spawnSync("mount", ["-t", "tmpfs", "-o", "size=1m", "flash-test-full", mnt], { encoding: "utf8" });
    if (m.status !== 0) { t.skip(`cannot mount a tmpfs here (${(m.stderr || m.error?.message || "").trim()})`); return; }
    try {
      // The writes land in the loop device's page cache; the fsync pushes
      // them to the 1 MiB file system under it, which has no room: EIO.
      const loop = loopDevice(t, join(mnt, "card.bin"), 8 << 20);
      if (!loop) return;
      try {
        assert.throws(() => writeAndVerify(image, loop), new RegExp(`^Error: syncing ${loop} failed \\(EIO: .*\\): the kernel could not write all of the image to it; .*then flash again$`));
      } finally {
        detach(loop);
      }
    } finally {
      spawnSync("umount", [mnt]);
    }
  });

  it("a failing blockdev --flushbufs is an error (make's command line, a blockdev that fails first in PATH)", (t) => {
    const loop = loopDevice(t, join(dir, "flush.bin"), 8 << 20);
    if (!loop) return;
    const bin = join(dir, "bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "blockdev"), "#!/bin/sh\necho 'blockdev: BLKFLSBUF: Input/output error' >&2\nexit 1\n");
    chmodSync(join(bin, "blockdev"), 0o755);
    const r = spawnSync(process.execPath, ["build/tools/tools/card/flash.js", "--device", loop, "--force", "--yes", image],
      { encoding: "utf8", env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stderr, new RegExp(`flash: error: flushing ${loop} failed \\(${bin}/blockdev --flushbufs: blockdev: BLKFLSBUF: Input/output error\\): .*then flash again`));
  });

  it("finds blockdev in PATH only if it is an executable file, and says when it is not there", () => {
    const bin = join(dir, "bin2");
    mkdirSync(bin, { recursive: true });
    assert.equal(findBlockdev(`/nonexistent:${bin}`), null);
    writeFileSync(join(bin, "blockdev"), "#!/bin/sh\n");
    assert.equal(findBlockdev(`/nonexistent:${bin}`), null, "not executable");
    chmodSync(join(bin, "blockdev"), 0o755);
    assert.equal(findBlockdev(`/nonexistent:${bin}`), join(bin, "blockdev"));
  });

  // A loop device whose page cache holds zeros while the file under it will
  // hold the image: a device whose cached copy is not what it holds (as for
  // a card that lost what the cache still shows). The cache lasts while the
  // device is open (the last close drops it), so the test holds it open.
  // The image's length is not a multiple of the 4096-byte sectors, so the
  // direct reads must round up.
  function staleLoop(t: TestContext): { loop: string; backing: string; odd: string } | null {
    const backing = join(dir, `stale-${Math.random().toString(36).slice(2)}.bin`);
    const loop = loopDevice(t, backing, 8 << 20, ["--sector-size", "4096"]);
    if (!loop) return null;
    const fd = openSync(loop, "r");
    t.after(() => closeSync(fd));
    const zeros = Buffer.alloc(8 << 20, 1);
    assert.equal(readSync(fd, zeros, 0, zeros.length, 0), zeros.length);
    assert.ok(zeros.every((b) => b === 0)); // and now in the page cache
    const odd = join(dir, "odd.img");
    writeFileSync(odd, readFileSync(image).subarray(0, (5 << 20) - 100));
    return { loop, backing, odd };
  }

  it("the read-back comes from the device, not from the kernel's cached copy of it (O_DIRECT, 4096-byte sectors)", (t) => {
    const s = staleLoop(t);
    if (!s) return;
    const lines: string[] = [];
    // Write the file under the loop device, read the loop device back.
    writeAndVerify(s.odd, s.backing, (l) => lines.push(l), s.loop);
    assert.ok(!lines.some((l) => /O_DIRECT/.test(l)), lines.join("\n"));
    assert.ok(lines.includes("verifying 100%"));
  });

  it("without O_DIRECT, a block device's read-back comes after blockdev --flushbufs, and says so", (t) => {
    const s = staleLoop(t);
    if (!s) return;
    const lines: string[] = [];
    writeAndVerify(s.odd, s.backing, (l) => lines.push(l), s.loop, false);
    assert.ok(lines.some((l) => l === "verifying without O_DIRECT (not asked for): the kernel's cached copy was dropped just before (blockdev --flushbufs), so the reads come from the card"), lines.join("\n"));
  });

  it("without O_DIRECT, a regular file's read-back says that it reads the file through the page cache", () => {
    const target = join(dir, "buffered.bin");
    writeFileSync(target, Buffer.alloc(8 << 20));
    const lines: string[] = [];
    writeAndVerify(image, target, (l) => lines.push(l), target, false);
    assert.ok(lines.some((l) => l.startsWith(`verifying without O_DIRECT (not asked for): ${target} is a file, not a card`)), lines.join("\n"));
    assert.deepEqual(readFileSync(target).subarray(0, 5 << 20), readFileSync(image));
  });

  it("writes and verifies a loop device through make's command line (skipped where loop devices are not allowed)", (t) => {
    const backing = join(dir, "loop.bin");
    writeFileSync(backing, Buffer.alloc(8 << 20));
    const setup = spawnSync("losetup", ["--find", "--show", backing], { encoding: "utf8" });
    if (setup.status !== 0) { t.skip(`no loop device on this machine (losetup: ${(setup.stderr || setup.error?.message || "").trim()})`); return; }
    const loop = setup.stdout.trim();
    try {
      const r = spawnSync(process.execPath, ["build/tools/tools/card/flash.js", "--device", loop, "--force", "--yes", image], { encoding: "utf8" });
      assert.equal(r.status, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /written and verified \(sha256 [0-9a-f]{64}\)/);
      assert.deepEqual(readFileSync(backing).subarray(0, 5 << 20), readFileSync(image));
      const refused = spawnSync(process.execPath, ["build/tools/tools/card/flash.js", "--device", loop, "--yes", image], { encoding: "utf8" });
      assert.equal(refused.status, 2);
      assert.match(refused.stderr, /is not a removable disk/);
    } finally {
      spawnSync("losetup", ["-d", loop]);
    }
  });
});
