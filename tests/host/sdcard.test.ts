// `make sdcard` output (build/sdcard.img): the partition table, a FAT32
// file system that fsck accepts, the expected files with the expected
// sizes, config.txt, and a second build that is byte for byte the same.
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PARTITION_START, PARTITION_SECTORS, SECTOR, DISK_ID, FIRMWARE_FILES, DTB_FILES, TOOL_ENV, buildSdcard } from "../../tools/sdcard.js";

const IMAGE = "build/sdcard.img";
const mtools = { ...TOOL_ENV, MTOOLS_SKIP_CHECK: "1" };
const sha = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");

describe("SD card image", () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), "sdcard-")); });

  it("has an MBR with one bootable FAT32 (LBA) partition at 1 MiB and a fixed disk id", () => {
    const dump = JSON.parse(execFileSync("sfdisk", ["--json", IMAGE], { encoding: "utf8", env: TOOL_ENV })).partitiontable;
    assert.equal(dump.label, "dos");
    assert.equal(dump.id, DISK_ID);
    assert.equal(dump.partitions.length, 1);
    const p = dump.partitions[0];
    assert.equal(p.start, PARTITION_START);
    assert.equal(p.size, PARTITION_SECTORS);
    assert.equal(p.type, "c");
    assert.equal(p.bootable, true);
    assert.equal(statSync(IMAGE).size, (PARTITION_START + PARTITION_SECTORS) * SECTOR);
  });

  it("its partition is a FAT32 file system that fsck.fat -n finds clean", () => {
    const part = join(dir, "part.fat");
    const img = readFileSync(IMAGE);
    writeFileSync(part, img.subarray(PARTITION_START * SECTOR, (PARTITION_START + PARTITION_SECTORS) * SECTOR));
    const r = spawnSync("fsck.fat", ["-n", "-v", part], { encoding: "utf8", env: TOOL_ENV });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /2 FATs, 32 bit entries/);
    assert.match(r.stdout, new RegExp(`\\b${PARTITION_START} hidden sectors`), "the boot sector knows where its partition starts");
  });

  it("holds the firmware, its licence, the device trees, config.txt and kernel8.img, each the size of its source", () => {
    const list = execFileSync("mdir", ["-b", "-i", `${IMAGE}@@${PARTITION_START * SECTOR}`, "::/"], { encoding: "utf8", env: mtools });
    const names = list.split("\n").filter((l) => l).map((l) => l.replace(/^::\//, ""));
    const sources: Record<string, string> = {
      ...Object.fromEntries(FIRMWARE_FILES.map((f) => [f, `build/firmware/root/usr/lib/raspi-firmware/${f}`])),
      ...Object.fromEntries(DTB_FILES.map((f) => [f, `build/dts/${f}`])),
      "LICENCE.broadcom": "build/firmware/root/usr/share/doc/raspi-firmware/copyright",
      "config.txt": "boot/sdcard/config.txt",
      "kernel8.img": "build/kernel8.img",
    };
    assert.deepEqual([...names].sort(), Object.keys(sources).sort());
    for (const [name, src] of Object.entries(sources)) {
      const out = join(dir, name);
      execFileSync("mcopy", ["-n", "-i", `${IMAGE}@@${PARTITION_START * SECTOR}`, `::/${name}`, out], { env: mtools });
      assert.equal(sha(out), sha(src), `${name} differs from ${src}`);
    }
  });

  it("config.txt boots a 64-bit kernel8.img with the PL011 on GPIO 14/15", () => {
    const text = execFileSync("mtype", ["-i", `${IMAGE}@@${PARTITION_START * SECTOR}`, "::/config.txt"], { encoding: "utf8", env: mtools });
    const settings = text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
    for (const want of ["arm_64bit=1", "kernel=kernel8.img", "enable_uart=1", "dtoverlay=disable-bt"]) assert.ok(settings.includes(want), `no '${want}' in config.txt`);
  });

  it("a second build gives the same bytes (reproducible)", () => {
    const again = join(dir, "again.img");
    buildSdcard(again, "build/kernel8.img");
    assert.equal(sha(again), sha(IMAGE));
  });

  it("honours SOURCE_DATE_EPOCH: another time gives another image, the same time the same", () => {
    const at = (epoch: string, out: string) => {
      const saved = process.env.SOURCE_DATE_EPOCH;
      process.env.SOURCE_DATE_EPOCH = epoch;
      try { buildSdcard(out, "build/kernel8.img"); } finally {
        if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH; else process.env.SOURCE_DATE_EPOCH = saved;
      }
      return sha(out);
    };
    const a = at("1700000000", join(dir, "a.img")), b = at("1700000000", join(dir, "b.img")), c = at("1800000000", join(dir, "c.img"));
    assert.equal(a, b);
    assert.notEqual(a, c);
    const list = execFileSync("mdir", ["-i", `${join(dir, "a.img")}@@${PARTITION_START * SECTOR}`, "::/"], { encoding: "utf8", env: mtools });
    assert.match(list, /kernel8\s+img\s+\d+ 2023-11-14/);
  });
});
