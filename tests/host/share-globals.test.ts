// tools/kernel/share-globals.ts: module variables moved into shared memory (issue
// 17, docs/memory-model.md): on wabt's text of a small module, and end to
// end through asc, with the refusal of a @perCore variable that top-level
// code sets, named at the user's file and line.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SHARED_GLOBALS_BYTES, ShareError, shareGlobals } from "../../tools/kernel/share-globals.js";

const WAT = `(module
  (type (;0;) (func))
  (type (;1;) (func (result i32)))
  (func $m/bump (type 1) (result i32)
    global.get $m/count
    i32.const 1
    i32.add
    global.set $m/count
    global.get $m/mine
    global.get $m/count)
  (func $~start (type 0)
    global.get $~started
    if  ;; label = @1
      return
    end
    i32.const 1
    global.set $~started
    i32.const 9
    global.set $m/late)
  (memory (;0;) 2 2)
  (global $m/count (mut i32) (i32.const 7))
  (global $m/late (mut i32) (i32.const 0))
  (global $m/wide (mut i64) (i64.const -3))
  (global $m/mine (mut i32) (i32.const 5))
  (global $m/where (mut i32) (i32.const 0))
  (global $~started (mut i32) (i32.const 0))
  (export "bump" (func $m/bump))
  (export "__where" (global $m/where))
  (export "_initialize" (func $~start)))
`;
const TOP = 2 * 65536 - SHARED_GLOBALS_BYTES;
const mine = new Map([["m/mine", { global: "m/mine", file: "m.ts", line: 3 }]]);

describe("share-globals: module variables into shared memory", () => {
  it("every mutable global becomes a slot at the top of memory: gets load, sets store, core 0 writes the initial values in _initialize", () => {
    const r = shareGlobals(WAT, mine);
    assert.deepEqual(r.shared.map((s) => [s.name, s.type, s.addr]), [["m/count", "i32", TOP], ["m/late", "i32", TOP + 8], ["m/wide", "i64", TOP + 16]]);
    assert.deepEqual(r.perCore.sort(), ["m/mine", "m/where", "~started"], "@perCore, exported and asc's own stay per core");
    assert.doesNotMatch(r.wat, /global\.(get|set) \$m\/(count|late|wide)\b/);
    assert.match(r.wat, new RegExp(`global.get \\$m/mine\\n`), "a @perCore read stays a global");
    assert.match(r.wat, new RegExp(`i32.const ${TOP} i32.load\\n`));
    assert.match(r.wat, new RegExp(`global.set \\$~share/tmp_i32 i32.const ${TOP} global.get \\$~share/tmp_i32 i32.store\\n`));
    assert.match(r.wat, new RegExp(`global.get \\$m/mine\\n    i32.const ${TOP} i32.load\\)`), "a closing paren stays where it was");
    // The initial values, after asc's ~started guard; zero ones are the zeroed memory's already.
    const start = r.wat.slice(r.wat.indexOf("(func $~start"));
    assert.match(start, new RegExp(`global.set \\$~started\\n    i32.const ${TOP} i32.const 7 i32.store\\n    i32.const ${TOP + 16} i64.const -3 i64.store\\n`));
    assert.doesNotMatch(start, new RegExp(`i32.const ${TOP + 8} i32.const 0`));
  });
  it("refuses a @perCore variable that top-level code sets (it runs on core 0 only), at the user's line", () => {
    const late = new Map([["m/late", { global: "m/late", file: "assembly/m.ts", line: 12 }]]);
    assert.throws(() => shareGlobals(WAT, late), (e: Error) => e instanceof ShareError &&
      /^assembly\/m\.ts:12: the @perCore variable late is set by top-level code, which runs on core 0 only: give it a constant initial value/.test(e.message));
  });
  it("accepts a @perCore variable declared with a literal that the start function sets (a lazy cache the optimiser inlined there)", () => {
    const lazy = new Map([["m/late", { global: "m/late", file: "assembly/m.ts", line: 12, constant: true }]]);
    assert.doesNotThrow(() => shareGlobals(WAT, lazy));
  });
  it("refuses more module variables than the slots hold, and a module without its own memory", () => {
    const many = WAT.replace("(global $~started", Array.from({ length: SHARED_GLOBALS_BYTES / 8 + 1 }, (_, i) => `(global $m/g${i} (mut i32) (i32.const 0))\n  `).join("") + "(global $~started");
    assert.throws(() => shareGlobals(many, mine), /more than 1024 module variables to share/);
    assert.throws(() => shareGlobals(WAT.replace(/\(memory[^\n]*\n/, ""), mine), /has no memory of its own/);
  });
  it("std's globals: Symbol's registry and counter shared (each nextId++ an atomic add), its scratch per core, an unknown one refused", () => {
    const std = WAT.replace("(global $~started", [
      "(global $~lib/symbol/nextId (mut i32) (i32.const 12))", "(global $~lib/symbol/stringToId (mut i32) (i32.const 0))",
      "(global $~lib/util/number/_K (mut i32) (i32.const 0))", "(global $~started"].join("\n  "))
      .replace("  (func $~start", ["  (func $sym (type 1) (result i32) (local i32)", "    global.get $~lib/symbol/nextId", "    local.tee 0", "    i32.const 1",
        "    i32.add", "    global.set $~lib/symbol/nextId", "    local.get 0)", "  (func $~start"].join("\n"))
      .replace("  (memory", "  (import \"atomic\" \"add32\" (func $add (param i32 i32) (result i32)))\n  (memory");
    const r = shareGlobals(std, mine);
    assert.ok(r.shared.some((x) => x.name === "~lib/symbol/nextId") && r.shared.some((x) => x.name === "~lib/symbol/stringToId"), "Symbol's state is shared");
    assert.ok(r.perCore.includes("~lib/util/number/_K"), "dtoa's scratch stays per core");
    const next = r.shared.find((x) => x.name === "~lib/symbol/nextId")!.addr;
    assert.match(r.wat, new RegExp(`i32.const ${next}\\n\\s*i32.const 1\\n\\s*call \\$add\\n\\s*local.set 0`), "nextId++ is an atomic fetch-and-add");
    assert.doesNotMatch(r.wat, /global\.set \$~lib\/symbol\/nextId/);
    assert.throws(() => shareGlobals(std.replace("(global $~started", "(global $~lib/new/thing (mut i32) (i32.const 0))\n  (global $~started"), mine),
      /asc emitted a global of its own that tools\/kernel\/share-globals\.ts does not know, ~lib\/new\/thing/);
    const odd = std.replace("    local.tee 0\n    i32.const 1", "    local.tee 0\n    i32.const 2");
    assert.throws(() => shareGlobals(odd, mine), /Symbol counter .* is changed in a way tools\/kernel\/share-globals\.ts does not recognise/);
  });
  it("end to end: asc, then the pass, on a kernel with a @perCore variable its top-level code sets", () => {
    const dir = mkdtempSync(join("build", "share-"));
    const src = join(dir, "late.ts");
    writeFileSync(src, "import \"../../assembly/kernel/boot\";\nfunction compute(): u32 { return 41; }\n// @ts-ignore: decorator\n@perCore let late: u32 = compute();\nexport function kernel_start(core: u32): void { late += core; }\n");
    const out = join(dir, "late.wasm");
    const asc = spawnSync(process.execPath, ["build/tools/tools/async/asc.js", src, "--target", "release", "--outFile", out], { encoding: "utf8" });
    assert.equal(asc.status, 0, asc.stderr);
    const listed = JSON.parse(readFileSync(out.replace(/\.wasm$/, ".percore.json"), "utf8"));
    assert.deepEqual(listed.find((v: { global: string }) => v.global.endsWith("/late")), { global: `${dir}/late/late`, file: src, line: 4, constant: false });
    const pass = spawnSync(process.execPath, ["build/tools/tools/kernel/share-globals.js", out, "--per-core", out.replace(/\.wasm$/, ".percore.json")], { encoding: "utf8" });
    assert.equal(pass.status, 1);
    assert.match(pass.stderr, new RegExp(`${src.replace(/[./]/g, "\\$&")}:4: the @perCore variable late is set by top-level code`));
    rmSync(dir, { recursive: true, force: true });
  });
});
