// `make sdcard`: builds build/sdcard.img, an SD card image that boots our
// kernel on a Raspberry Pi 3 or 4. An MBR partition table with one FAT32
// partition holding the GPU firmware (Debian's raspi-firmware, fetched by
// tools/card/fetch-firmware.sh), its licence, our device trees, config.txt and
// kernel8.img. No root needed: mkfs.fat, mtools and sfdisk work on files.
//
// Reproducible: the same inputs give a byte-identical image. The disk id is
// fixed, mkfs.fat runs with --invariant (volume id 1234-ABCD, fixed
// creation time), files are copied in sorted order, and every file gets
// the time SOURCE_DATE_EPOCH (default: the time of the last git commit, or
// 1980-01-01 outside git).
//
//   node sdcard.js [--out build/sdcard.img] [--kernel build/kernel8.img]
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync, utimesSync, openSync, writeSync, closeSync, readFileSync, writeFileSync } from "node:fs";
import { join, basename } from "node:path";
import { how } from "../cli/how.js";
import { cardTrees } from "../boards/spec.js";

export const PARTITION_START = 2048;            // sectors: 1 MiB, aligned for SD cards
export const PARTITION_SECTORS = 128 * 2048;    // 128 MiB of FAT32
export const SECTOR = 512;
export const DISK_ID = "0x5a7e5b1a";
export const VOLUME_LABEL = "TSPI-BOOT";

/** Where make put the firmware and the device trees: build/, or a kernel project's build/ (BUILD_DIR, from the Makefile). */
const BUILD = process.env.BUILD_DIR || "build";
const FIRMWARE_DIR = join(BUILD, "firmware/root/usr/lib/raspi-firmware");
export const FIRMWARE_FILES = ["bootcode.bin", "start.elf", "fixup.dat", "start4.elf", "fixup4.dat"];
/** The trees on the card: one per model (tools/boards/spec.ts), each compiled from boot/dts/<name>.dts. */
export const DTB_FILES = cardTrees().map((t) => `${t}.dtb`);

// mkfs.fat and sfdisk live in /usr/sbin, which is not on every user's PATH.
export const TOOL_ENV: NodeJS.ProcessEnv = { ...process.env, PATH: `${process.env.PATH ?? ""}:/usr/sbin:/sbin` };

function step(what: string): void { process.stdout.write(`  SDCARD   ${what}\n`); }

function run(cmd: string, args: string[], what: string, env: NodeJS.ProcessEnv = TOOL_ENV): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env });
  } catch (e) {
    const err = e as { code?: string; stderr?: string; message: string };
    if (err.code === "ENOENT") throw new Error(`${what}: '${cmd}' is not installed (run make setup: it installs mtools, dosfstools and fdisk)`);
    throw new Error(`${what}: ${cmd} failed: ${(err.stderr ?? err.message).trim()}`);
  }
}

export function sourceDateEpoch(): number {
  const env = process.env.SOURCE_DATE_EPOCH;
  if (env !== undefined) {
    if (!/^\d+$/.test(env)) throw new Error(`SOURCE_DATE_EPOCH=${env} is not a number of seconds`);
    return Math.max(Number(env), 315532800);   // FAT cannot store times before 1980
  }
  try {
    return Math.max(Number(execFileSync("git", ["log", "-1", "--format=%ct"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()), 315532800);
  } catch {
    return 315532800;
  }
}

export function buildSdcard(out: string, kernel: string): void {
  if (!existsSync(kernel)) throw new Error(`${kernel} does not exist: run make first`);
  for (const f of FIRMWARE_FILES) {
    if (!existsSync(join(FIRMWARE_DIR, f))) throw new Error(`${join(FIRMWARE_DIR, f)} is missing: run tools/card/fetch-firmware.sh (make sdcard does)`);
  }
  for (const f of DTB_FILES) {
    if (!existsSync(join(BUILD, "dts", f))) throw new Error(`${join(BUILD, "dts", f)} is missing: make sdcard compiles it from boot/dts/`);
  }
  const epoch = sourceDateEpoch();
  const stage = `${out}.d`;
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });

  step(`files (timestamps ${new Date(epoch * 1000).toISOString()})`);
  const files: string[] = [];
  const add = (from: string, name = basename(from)) => { copyFileSync(from, join(stage, name)); files.push(name); };
  for (const f of FIRMWARE_FILES) add(join(FIRMWARE_DIR, f));
  add(join(BUILD, "firmware/root/usr/share/doc/raspi-firmware/copyright"), "LICENCE.broadcom");
  for (const f of DTB_FILES) add(join(BUILD, "dts", f));
  add("boot/sdcard/config.txt");
  // The kernel command line: the firmware appends it to its own options in
  // the tree's /chosen/bootargs. push.wait= is the stub's boot window (docs/push.md).
  add("boot/sdcard/cmdline.txt");
  add(kernel, "kernel8.img");
  for (const f of files) utimesSync(join(stage, f), epoch, epoch);

  step(`FAT32 partition, ${PARTITION_SECTORS * SECTOR >> 20} MiB, volume ${VOLUME_LABEL}`);
  const fat = join(stage, "..", `${basename(out)}.fat`);
  rmSync(fat, { force: true });
  run("mkfs.fat", ["-F", "32", "-n", VOLUME_LABEL, "--invariant", "-h", String(PARTITION_START), "-S", String(SECTOR), "-s", "1",
    "-C", fat, String(PARTITION_SECTORS * SECTOR / 1024)], "FAT32 file system");
  const mtoolsEnv = { ...TOOL_ENV, MTOOLS_SKIP_CHECK: "1", SOURCE_DATE_EPOCH: String(epoch) };
  for (const f of [...files].sort()) run("mcopy", ["-i", fat, "-m", join(stage, f), `::/${f}`], `copying ${f}`, mtoolsEnv);

  step(`MBR partition table, disk id ${DISK_ID}`);
  const size = (PARTITION_START + PARTITION_SECTORS) * SECTOR;
  rmSync(out, { force: true });
  const fd = openSync(out, "w");
  writeSync(fd, Buffer.alloc(1), 0, 1, size - 1);   // a sparse file of the full size
  closeSync(fd);
  execFileSync("sfdisk", ["--no-reread", "--no-tell-kernel", "--quiet", out], {
    input: `label: dos\nlabel-id: ${DISK_ID}\nunit: sectors\n\nstart=${PARTITION_START}, size=${PARTITION_SECTORS}, type=c, bootable\n`,
    stdio: ["pipe", "ignore", "pipe"],
    env: TOOL_ENV,
  });
  const part = readFileSync(fat);
  const ofd = openSync(out, "r+");
  writeSync(ofd, part, 0, part.length, PARTITION_START * SECTOR);
  closeSync(ofd);
  rmSync(fat, { force: true });
  rmSync(stage, { recursive: true, force: true });
}

/** The file beside a card image that names the program on it (make sdcard writes it, make flash reads it). */
export function programOf(image: string): string { return `${image}.program`; }

function main(argv: string[]): number {
  let out = "build/sdcard.img", kernel = "build/kernel8.img", program = "";
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out") out = argv[++i];
    else if (argv[i] === "--kernel") kernel = argv[++i];
    else if (argv[i] === "--program") program = argv[++i];
    else { console.error(`sdcard: unknown argument ${argv[i]}`); return 2; }
  }
  try {
    buildSdcard(out, kernel);
    // Which program the card holds, for make flash (it writes this card, never builds another).
    // (APP as make was given it: empty for the default kernel, assembly/main.ts)
    writeFileSync(programOf(out), program + "\n");
  } catch (e) {
    console.error(`sdcard: error: ${(e as Error).message}`);
    return 1;
  }
  const bytes = statSync(out).size;
  console.log(`\n  image    ${out} (${bytes >> 20} MiB): ${how("flash DEVICE=/dev/sdX", "flash --device /dev/sdX")} writes it to a card`);
  return 0;
}

if (process.argv[1]?.endsWith("sdcard.js")) process.exit(main(process.argv.slice(2)));
