// `make sdcard` output (build/sdcard.img): the partition table, a FAT32
// file system that fsck accepts, the expected files with the expected
// sizes, config.txt (read back from the card) and what it refers to, and a
// second build that is byte for byte the same.
import { describe, it, before } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PARTITION_START, PARTITION_SECTORS, SECTOR, DISK_ID, FIRMWARE_FILES, DTB_FILES, TOOL_ENV, buildSdcard } from "../../tools/card/sdcard.js";
import { SOCS } from "../../tools/boards/spec.js";

const IMAGE = "build/sdcard.img";
const PART = `${IMAGE}@@${PARTITION_START * SECTOR}`;
const mtools = { ...TOOL_ENV, MTOOLS_SKIP_CHECK: "1" };
const sha = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");

/** Every file on the card's partition, with its path (`overlays/x.dtbo`), lower case (FAT ignores case). */
function cardFiles(): string[] {
  const list = execFileSync("mdir", ["-/", "-b", "-i", PART, "::/"], { encoding: "utf8", env: mtools });
  return list.split("\n").filter((l) => l && !l.endsWith("/")).map((l) => l.replace(/^::\//, "").toLowerCase());
}

/** One line of config.txt that sets something: the conditional filter it is under ("all" outside any), name, value. */
interface Setting { filter: string; key: string; value: string; line: number }

/** config.txt as the firmware reads it ("The config.txt file": lines starting with # are comments; [filter] lines
 *  start a conditional section, [all] ends it). Filters of different kinds combine; we only ever need "all" or one. */
function parseConfig(text: string): Setting[] {
  const out: Setting[] = [];
  let filter = "all";
  text.split("\n").forEach((raw, i) => {
    const l = raw.trim();
    if (!l || l.startsWith("#")) return;
    const f = /^\[(.*)\]$/.exec(l);
    if (f) { filter = f[1].trim().toLowerCase(); return; }
    const m = /^([A-Za-z0-9_:]+)\s*(?:=|\s)\s*(.*)$/.exec(l);
    assert.ok(m, `config.txt line ${i + 1} is neither a comment, a [filter] nor name=value: ${l}`);
    out.push({ filter, key: m[1], value: m[2].trim(), line: i + 1 });
  });
  return out;
}

/** A device tree node as `dtc -I dtb -O dts` prints it: properties as dtc writes their values, and child nodes. */
interface DtNode { name: string; props: Map<string, string>; children: DtNode[] }

function parseDts(text: string): DtNode {
  const root: DtNode = { name: "/", props: new Map(), children: [] };
  const stack: DtNode[] = [];
  for (const raw of text.split("\n")) {
    const l = raw.trim();
    if (!l || l === "/dts-v1/;" || l.startsWith("/memreserve/")) continue;
    const open = /^(\S+) \{$/.exec(l);
    if (open) {
      const node = open[1] === "/" && stack.length === 0 ? root : { name: open[1], props: new Map(), children: [] };
      if (node !== root) stack[stack.length - 1].children.push(node);
      stack.push(node);
    } else if (l === "};") {
      stack.pop();
    } else {
      const prop = /^([^=\s]+)(?: = (.*))?;$/.exec(l);
      assert.ok(prop && stack.length, `unexpected line from dtc: ${l}`);
      stack[stack.length - 1].props.set(prop[1], prop[2] ?? "");
    }
  }
  return root;
}

/** The numbers in a cell list such as `<0x00 0xff841000 0x1000>`. */
const cellsOf = (v: string | undefined) => [...(v ?? "").matchAll(/0x[0-9a-f]+|\d+/g)].map((m) => Number(m[0]));
/** The strings in a string list as dtc prints it: `"a\0b"`. */
const stringsOf = (v: string | undefined) => (v ?? "").replace(/^"|"$/g, "").split("\\0");
const nodes = (n: DtNode): DtNode[] => [n, ...n.children.flatMap(nodes)];

/**
 * Every board of the two families, by the file name the firmware loads for it (it builds "bcm%d-rpi-%s.dtb" from
 * the board's revision code: "Device Trees, overlays and parameters"; the suffixes are in start.elf's name table).
 * The Zero 2 W has two names in that table, and Raspberry Pi's kernel ships a tree under each.
 */
const BOARD_TREES = [
  { dtb: "bcm2710-rpi-3-b.dtb", model: "Raspberry Pi 3 Model B", compatible: ["raspberrypi,3-model-b", "brcm,bcm2837"] },
  { dtb: "bcm2710-rpi-3-b-plus.dtb", model: "Raspberry Pi 3 Model B+", compatible: ["raspberrypi,3-model-b-plus", "brcm,bcm2837"] },
  { dtb: "bcm2710-rpi-3-a-plus.dtb", model: "Raspberry Pi 3 Model A+", compatible: ["raspberrypi,3-model-a-plus", "brcm,bcm2837"] },
  { dtb: "bcm2710-rpi-zero-2-w.dtb", model: "Raspberry Pi Zero 2 W", compatible: ["raspberrypi,model-zero-2-w", "brcm,bcm2837"] },
  { dtb: "bcm2710-rpi-zero-2.dtb", model: "Raspberry Pi Zero 2 W", compatible: ["raspberrypi,model-zero-2-w", "brcm,bcm2837"] },
  { dtb: "bcm2711-rpi-4-b.dtb", model: "Raspberry Pi 4 Model B", compatible: ["raspberrypi,4-model-b", "brcm,bcm2711"] },
  { dtb: "bcm2711-rpi-400.dtb", model: "Raspberry Pi 400", compatible: ["raspberrypi,400", "brcm,bcm2711"] },
  { dtb: "bcm2711-rpi-cm4.dtb", model: "Raspberry Pi Compute Module 4", compatible: ["raspberrypi,4-compute-module", "brcm,bcm2711"] },
];

const cardConfig = () => parseConfig(execFileSync("mtype", ["-i", PART, "::/config.txt"], { encoding: "utf8", env: mtools }));

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

  it("holds the firmware, its licence, the device trees, config.txt, cmdline.txt and kernel8.img, each the size of its source", () => {
    const list = execFileSync("mdir", ["-b", "-i", `${IMAGE}@@${PARTITION_START * SECTOR}`, "::/"], { encoding: "utf8", env: mtools });
    const names = list.split("\n").filter((l) => l).map((l) => l.replace(/^::\//, ""));
    const sources: Record<string, string> = {
      ...Object.fromEntries(FIRMWARE_FILES.map((f) => [f, `build/firmware/root/usr/lib/raspi-firmware/${f}`])),
      ...Object.fromEntries(DTB_FILES.map((f) => [f, `build/dts/${f}`])),
      "LICENCE.broadcom": "build/firmware/root/usr/share/doc/raspi-firmware/copyright",
      "config.txt": "boot/sdcard/config.txt",
      "cmdline.txt": "boot/sdcard/cmdline.txt",
      "kernel8.img": "build/kernel8.img",
    };
    assert.deepEqual([...names].sort(), Object.keys(sources).sort());
    for (const [name, src] of Object.entries(sources)) {
      const out = join(dir, name);
      execFileSync("mcopy", ["-n", "-i", `${IMAGE}@@${PARTITION_START * SECTOR}`, `::/${name}`, out], { env: mtools });
      assert.equal(sha(out), sha(src), `${name} differs from ${src}`);
    }
  });

  it("make sdcard BACKEND=aot: the same card with the aot build/aot/kernel8.img", () => {
    const card = "build/aot/sdcard.img", part = `${card}@@${PARTITION_START * SECTOR}`;
    const out = join(dir, "aot-kernel8.img");
    execFileSync("mcopy", ["-n", "-i", part, "::/kernel8.img", out], { env: mtools });
    assert.equal(sha(out), sha("build/aot/kernel8.img"), "the card's kernel8.img is not build/aot/kernel8.img");
    assert.notEqual(sha(out), sha("build/kernel8.img"), "the aot card carries the wasm3 image");
    for (const f of ["config.txt", ...DTB_FILES]) {
      execFileSync("mcopy", ["-n", "-o", "-i", part, `::/${f}`, join(dir, "aot-" + f)], { env: mtools });
      assert.equal(sha(join(dir, "aot-" + f)), sha(f === "config.txt" ? "boot/sdcard/config.txt" : `build/dts/${f}`), f);
    }
  });

  it("cmdline.txt is one line that opens the stub's boot window for make push (push.wait=<ms>, as boot/push/push.c reads it)", () => {
    const line = execFileSync("mtype", ["-i", PART, "::/cmdline.txt"], { encoding: "utf8", env: mtools });
    assert.match(line, /^[^\n]*\n?$/, "the firmware reads one line");
    const ms = Number(line.match(/(?:^| )push\.wait=(\d+)(?: |\n|$)/)?.[1]);
    assert.ok(ms >= 500 && ms <= 5000, `push.wait=${ms}: long enough to knock into after a reset, short enough not to slow every boot`);
  });
  it("config.txt boots a 64-bit kernel8.img and turns the UART on, on every board", () => {
    const all = cardConfig().filter((s) => s.filter === "all").map((s) => `${s.key}=${s.value}`);
    for (const want of ["arm_64bit=1", "kernel=kernel8.img", "enable_uart=1"]) assert.ok(all.includes(want), `no '${want}' outside a [filter] in config.txt`);
  });

  it("every dtoverlay and dtparam in config.txt names a file or parameter that is on the card", () => {
    // "Device Trees, overlays and parameters" (DTBs, overlays and config.txt, DT parameters): dtoverlay=NAME loads
    // ${os_prefix}${overlay_prefix}NAME.dtbo (overlay_prefix defaults to "overlays/"; Boot Options: overlay_prefix);
    // a dtparam applies to the overlay last loaded, or, with none in scope (or after an empty dtoverlay=), to the
    // base tree, which must then declare it in /__overrides__. Missing files or parameters are only logged.
    const settings = cardConfig();
    const files = new Set(cardFiles());
    const prefix = (key: string, dflt: string) => settings.find((s) => s.key === key)?.value ?? dflt;
    const overlayDir = prefix("os_prefix", "") + prefix("overlay_prefix", "overlays/");
    const baseParams = (dtb: string) => {
      const out = join(dir, dtb);
      execFileSync("mcopy", ["-n", "-i", PART, `::/${dtb}`, out], { env: mtools });
      const dts = execFileSync("dtc", ["-q", "-I", "dtb", "-O", "dts", out], { encoding: "utf8" });
      const overrides = /\n\t__overrides__ \{\n([\s\S]*?)\n\t\};/.exec(dts)?.[1] ?? "";
      return new Set([...overrides.matchAll(/^\t\t([^ =;]+)/gm)].map((m) => m[1]));
    };
    let overlay: string | undefined;
    for (const s of settings) {
      const [name, ...params] = s.value.split(",");
      if (s.key === "dtoverlay") {
        overlay = name.trim() || undefined;
        if (overlay) {
          const file = `${overlayDir}${overlay}.dtbo`.replace(/^\//, "").toLowerCase();
          assert.ok(files.has(file), `config.txt line ${s.line}: dtoverlay=${overlay} needs ${file}, which is not on the card`);
        }
      } else if (s.key === "dtparam" && overlay === undefined) {
        for (const p of [name, ...params].map((p) => p.split("=")[0].trim()).filter((p) => p)) {
          for (const dtb of DTB_FILES) assert.ok(baseParams(dtb).has(p), `config.txt line ${s.line}: dtparam ${p} is not a parameter of ${dtb} (no /__overrides__/${p})`);
        }
      }
    }
  });

  it("config.txt loads kernel8.img at the address linker/kernel8.ld links it at, on every board", () => {
    // The first location assignment in SECTIONS is where the image starts (__image_start).
    const ld = readFileSync("linker/kernel8.ld", "utf8");
    const start = /SECTIONS\s*\{\s*\.\s*=\s*(0x[0-9a-fA-F]+|\d+)\s*;/.exec(ld);
    assert.ok(start, "no '. = <address>;' at the top of SECTIONS in linker/kernel8.ld");
    const settings = cardConfig();
    const addr = settings.filter((s) => s.key === "kernel_address");
    assert.equal(addr.length, 1, "config.txt must set kernel_address exactly once");
    assert.equal(addr[0].filter, "all", "kernel_address must apply to every board (outside any [filter])");
    assert.equal(BigInt(addr[0].value), BigInt(start[1]), `kernel_address=${addr[0].value}, but linker/kernel8.ld links at ${start[1]}`);
    // Boot Options: kernel_old=1 loads the kernel at 0x0 whatever kernel_address says.
    assert.ok(!settings.some((s) => s.key === "kernel_old" && s.value !== "0"), "kernel_old would override kernel_address");
  });

  it("config.txt gives the PL011 the 48 MHz clock boot/board/uart.c computes its divisor from", () => {
    const src = readFileSync("boot/board/uart.c", "utf8");
    // uart_init's program(IBRD, FBRD, ...) for 115200, and the clock uart_set_baud (the push's faster rate) divides.
    const init = /program\((\d+), (\d+),/.exec(src), hz = /#define UART_CLOCK_HZ (\d+)u/.exec(src);
    assert.ok(init && hz, "no program(IBRD, FBRD, ...) call or UART_CLOCK_HZ found in boot/board/uart.c");
    const ibrd = [init[0], init[1]], fbrd = [init[0], init[2]];
    const clock = cardConfig().filter((s) => s.key === "init_uart_clock");
    assert.equal(clock.length, 1, "config.txt must set init_uart_clock exactly once");
    assert.equal(clock[0].filter, "all");
    assert.equal(Number(clock[0].value), Number(hz[1]), "boot/board/uart.c's UART_CLOCK_HZ is config.txt's init_uart_clock");
    // PL011: divisor = clock / (16 * baud), IBRD its integer part, FBRD the fraction in 64ths, rounded.
    const div = Number(clock[0].value) / (16 * 115200);
    assert.deepEqual([Math.floor(div), Math.round((div % 1) * 64)], [Number(ibrd[1]), Number(fbrd[1])],
      `init_uart_clock=${clock[0].value} gives another divisor than boot/board/uart.c's ${ibrd[1]} + ${fbrd[1]}/64 for 115200`);
  });

  it("the BCM2711 trees route interrupts to the GIC-400 boot/board/irq.c programs, and config.txt agrees", () => {
    // raspberrypi/firmware issue 1405: the firmware chooses GIC mode when the tree's root interrupt-parent refers
    // to a node compatible with "arm,gic-400"; boot/board/irq.c talks to GICD and GICC where the board description puts them.
    const spec = SOCS.find((x) => x.gic)!.gic!;
    const [gicd, gicc] = [spec.distributor, spec.cpuInterface];
    for (const dtb of DTB_FILES) {
      const out = join(dir, dtb);
      execFileSync("mcopy", ["-n", "-i", PART, `::/${dtb}`, out], { env: mtools });
      const root = parseDts(execFileSync("dtc", ["-q", "-I", "dtb", "-O", "dts", out], { encoding: "utf8" }));
      const gics = nodes(root).filter((n) => stringsOf(n.props.get("compatible")).includes("arm,gic-400"));
      if (!dtb.startsWith("bcm2711-")) {
        assert.equal(gics.length, 0, `${dtb}: a BCM2837 has no GIC-400`);
        continue;
      }
      assert.equal(gics.length, 1, `${dtb}: one node compatible with "arm,gic-400"`);
      const gic = gics[0];
      assert.ok(gic.props.has("interrupt-controller"), `${dtb}: the GIC node is no interrupt-controller`);
      assert.deepEqual(cellsOf(gic.props.get("#interrupt-cells")), [3], `${dtb}: the GIC takes 3 interrupt cells`);
      const phandle = cellsOf(gic.props.get("phandle"));
      assert.equal(phandle.length, 1, `${dtb}: the GIC node has no phandle (nothing refers to it)`);
      assert.deepEqual(cellsOf(root.props.get("interrupt-parent")), phandle, `${dtb}: the root interrupt-parent is not the GIC`);
      // reg: (2 address cells, 1 size cell) per region; GICD first, GICC second (Linux's arm,gic binding).
      assert.deepEqual(cellsOf(root.props.get("#address-cells")), [2]);
      const reg = cellsOf(gic.props.get("reg"));
      assert.deepEqual([reg[0] * 2 ** 32 + reg[1], reg[3] * 2 ** 32 + reg[4]], [gicd, gicc], `${dtb}: GIC regions differ from boot/board/irq.c's GICD/GICC`);
    }
    const gic = cardConfig().filter((s) => s.key === "enable_gic");
    assert.ok(gic.some((s) => s.value === "1" && (s.filter === "pi4" || s.filter === "all")), "config.txt does not set enable_gic=1 for the Pi 4 family");
    assert.ok(!gic.some((s) => s.value !== "1"), "config.txt turns the GIC off somewhere");
  });

  it("carries a tree for every Pi 3 and Pi 4 family board, under the firmware's name, as the board description lists them", () => {
    // (the Makefile compiles boot/dts/*.dts; tests/host/boards.test.ts checks they are the spec's trees)
    const names = BOARD_TREES.map((b) => b.dtb).sort();
    assert.deepEqual([...DTB_FILES].sort(), names, "tools/boards/spec.ts's trees (DTB_FILES)");
    const files = new Set(cardFiles());
    for (const b of BOARD_TREES) {
      assert.ok(files.has(b.dtb), `${b.dtb} (${b.model}) is not on the card`);
      const out = join(dir, b.dtb);
      execFileSync("mcopy", ["-n", "-i", PART, `::/${b.dtb}`, out], { env: mtools });
      const root = parseDts(execFileSync("dtc", ["-q", "-I", "dtb", "-O", "dts", out], { encoding: "utf8" }));
      assert.deepEqual(stringsOf(root.props.get("model")), [b.model], `${b.dtb}: model`);
      assert.deepEqual(stringsOf(root.props.get("compatible")), b.compatible, `${b.dtb}: compatible`);
      // BCM2711: RAM above 4 GiB on the 4 and 8 GiB boards needs two address cells (boot/board/fdt.c reads either).
      const cells = b.compatible.includes("brcm,bcm2711") ? 2 : 1;
      assert.deepEqual(cellsOf(root.props.get("#address-cells")), [cells], `${b.dtb}: #address-cells`);
      assert.deepEqual(cellsOf(root.props.get("#size-cells")), [1], `${b.dtb}: #size-cells`);
      const memory = root.children.find((n) => n.name === "memory@0");
      assert.ok(memory && memory.props.get("device_type") === '"memory"', `${b.dtb}: no /memory@0 for the firmware to fill in`);
      assert.equal(cellsOf(memory.props.get("reg")).length, cells + 1, `${b.dtb}: /memory@0 reg is not one (address, size) pair`);
      // Four cores, each started through the firmware's spin table (armstub8.S: spin_cpu0..3 at 0xd8..0xf0).
      const cpus = root.children.find((n) => n.name === "cpus")?.children ?? [];
      assert.deepEqual(cpus.map((c) => c.name), ["cpu@0", "cpu@1", "cpu@2", "cpu@3"], `${b.dtb}: cpus`);
      cpus.forEach((c, i) => {
        assert.equal(c.props.get("enable-method"), '"spin-table"', `${b.dtb}: ${c.name} enable-method`);
        assert.deepEqual(cellsOf(c.props.get("cpu-release-addr")), [0, 0xd8 + 8 * i], `${b.dtb}: ${c.name} cpu-release-addr`);
      });
    }
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
