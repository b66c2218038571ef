// tools/kernel/aot-syms.ts: the table an aot trap names its wasm function from.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { cName, moved, parseNm, table, writeC } from "../../tools/kernel/aot-syms.js";
import { readFunctionNames } from "../../tools/kernel/wasm.js";
import { fixMemory } from "../../tools/kernel/aot-fixed-memory.js";

const NM = `0000000000080000 0000000000000040 T _start
0000000000080100 0000000000000020 t w2c_tests_kernels_trap_2Dx_crash
0000000000080120 0000000000000010 t w2c_a_b.constprop.0
0000000000080130 0000000000000008 t w2c_a_b.cold
0000000000080140 0000000000000030 T Z_kernelZ_kernel_start
0000000000080170 t w2c_nosize
0000000000090000 0000000000000004 D w2c_data
`;

describe("aot symbol table", () => {
  it("maps each generated function back to its wasm name, as wasm2c mangles it", () => {
    assert.equal(cName("tests/kernels/trap-x/crash"), "w2c_tests_kernels_trap_x_crash");
    const t = table(parseNm(NM), ["tests/kernels/trap_2Dx/crash", "a/b", "a_b"]);
    assert.deepEqual(t.map((e) => [e.addr, e.name]), [
      [0x80100n, "tests/kernels/trap_2Dx/crash"],
      [0x80120n, "a_b"],              // "a/b" and "a_b" make one C name: the C name stays
      [0x80130n, "a_b (cold part)"],
      [0x80140n, "kernel_start"],
    ]);
    assert.match(writeC(t), /\{ 0x80100, 0x20, "tests\/kernels\/trap_2Dx\/crash" \},/);
    assert.match(writeC(t), /aot_nsyms __attribute__\(\(section\("\.aot_syms"\)\)\) = 4;/);
  });
  it("finds a function that moved between the two links", () => {
    const before = parseNm(NM);
    assert.deepEqual(moved(before, parseNm(NM)), []);
    assert.deepEqual(moved(before, parseNm(NM.replace("0000000000080120 0000000000000010", "0000000000080124 0000000000000010"))), ["w2c_a_b.constprop.0"]);
  });
  it("reads the name section of a real kernel", () => {
    const names = [...readFunctionNames(readFileSync("build/kernel.wasm")).values()];
    assert.ok(names.includes("kernel_start") || names.some((n) => n.endsWith("/main")), names.slice(0, 5).join(", "));
    assert.ok(names.length > 50);
  });
});

describe("aot fixed memory base (tools/kernel/aot-fixed-memory.ts)", () => {
  it("rewrites the load and the store helper of wasm2c's output, nothing else", () => {
    const c = readFileSync("build/aot/c/kernel8/raw/kernel.c", "utf8");
    const out = fixMemory(c);
    assert.equal(out.split("&AOT_MEMORY_BASE[addr]").length - 1, 2);
    assert.equal(out.includes("&mem->data[addr]"), false);
    assert.equal(out.length, c.length + 2 * ("&AOT_MEMORY_BASE[addr]".length - "&mem->data[addr]".length));
  });
  it("stops on output of another shape instead of going on unedited", () => {
    assert.throws(() => fixMemory("static u32 i32_load(wasm_rt_memory_t* mem, u64 addr) { return 0; }"),
      /found it 0 times: is this wasm2c 1\.0\.32/);
  });
});
