// Host tests of the ABI tooling: the generated files are current, the C
// table and the AssemblyScript declarations agree with the spec, and the
// import checker catches what it must.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { ABI, m3Signature, cName } from "../../tools/abi/spec.js";
import { COMMITTED, cLinkTable } from "../../tools/abi/gen.js";
import { checkImports } from "../../tools/kernel/check-imports.js";
import { readImports, WasmFormatError } from "../../tools/kernel/wasm.js";

describe("host ABI generation", () => {
  it("committed generated files match tools/abi/spec.ts (run make abi)", () => {
    for (const [path, gen] of COMMITTED) assert.equal(readFileSync(path, "utf8"), gen(), `${path} is stale`);
  });

  it("wasm3 signatures follow the wasm types", () => {
    const find = (m: string, f: string) => {
      const mod = ABI.find((x) => x.module === m)!;
      return [mod, mod.functions.find((x) => x.name === f)!] as const;
    };
    assert.equal(m3Signature(find("console", "write")[1]), "v(ii)");
    assert.equal(m3Signature(find("cpu", "counter")[1]), "I()");
    assert.equal(m3Signature(find("sys", "panic")[1]), "v(iiiiii)");
    const [m, f] = find("sys", "memoryBytes");
    assert.equal(cName(m, f), "h_sys_memory_bytes");
  });

  it("every C host function named by the table is defined in its module's file (boot/wasm/host_<module>.c)", () => {
    // The symbols of the compiled objects, not a text search: the functions
    // may come out of macros (host_atomic.c).
    const table = cLinkTable();
    const nm = `${process.env.CROSS ?? "aarch64-linux-gnu-"}nm`;
    for (const mod of ABI) {
      const obj = `build/obj/boot/wasm/host_${mod.module}.c.o`;
      const defined = new Set(
        execFileSync(nm, ["--defined-only", obj], { encoding: "utf8" })
          .split("\n").map((l) => l.trim().split(/\s+/)).filter((w) => w[1] === "T").map((w) => w[2]),
      );
      for (const f of mod.functions) {
        assert.ok(table.includes(`"${mod.module}", "${f.name}"`), `${mod.module}.${f.name} is missing from the link table`);
        assert.ok(defined.has(cName(mod, f)), `${cName(mod, f)} is not defined in ${obj}`);
      }
    }
  });
});

// A tiny wasm module builder for the checker tests.
function leb(n: number): number[] { const out: number[] = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n); return out; }
function str(s: string): number[] { const b = [...Buffer.from(s, "utf8")]; return [...leb(b.length), ...b]; }
function section(id: number, body: number[]): number[] { return [id, ...leb(body.length), ...body]; }
const I32 = 0x7f, I64 = 0x7e;
function moduleImporting(imports: Array<[string, string, number[], number[]]>): Uint8Array {
  const types = imports.map(([, , p, r]) => [0x60, ...leb(p.length), ...p, ...leb(r.length), ...r]);
  const typeSec = section(1, [...leb(types.length), ...types.flat()]);
  const imps = imports.map(([m, n], i) => [...str(m), ...str(n), 0, ...leb(i)]);
  const importSec = section(2, [...leb(imps.length), ...imps.flat()]);
  return new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...typeSec, ...importSec]);
}

describe("import checker", () => {
  it("accepts imports that match the ABI", () => {
    const bin = moduleImporting([["console", "write", [I32, I32], []], ["cpu", "counter", [], [I64]]]);
    assert.deepEqual(checkImports(readImports(bin)), []);
  });
  it("names an import the host does not have", () => {
    const problems = checkImports(readImports(moduleImporting([["cpu", "teleport", [I32], []]])));
    assert.equal(problems.length, 1);
    assert.match(problems[0], /cpu\.teleport: the host has no such import/);
  });
  it("names an unknown module", () => {
    const problems = checkImports(readImports(moduleImporting([["env", "abort", [I32, I32, I32, I32], []]])));
    // The message lists the modules the spec has, whatever they are.
    assert.match(problems[0], new RegExp(`env\\.abort: .*modules: ${ABI.map((m) => m.module).join(", ")}\\)`));
  });
  it("names the specs' fake board (tspi/testing) once, as a specs-only import", () => {
    const problems = checkImports(readImports(moduleImporting([["fake", "traceLength", [], [I32]], ["fake", "traceChar", [I32], [I32]]])));
    assert.equal(problems.length, 1);
    assert.match(problems[0], /fake\.traceLength: the kernel imports "tspi\/testing", the fake board of the specs, which exists only in node: import it from specs \(\*\.spec\.ts\) only/);
  });
  it("catches a wrong signature", () => {
    const problems = checkImports(readImports(moduleImporting([["cpu", "counter", [], [I32]]])));
    assert.match(problems[0], /cpu\.counter: imported as \(\) -> \(i32\) but the host ABI has \(\) -> \(i64\)/);
  });
  it("rejects a file that is not wasm, and a truncated one", () => {
    assert.throws(() => readImports(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])), WasmFormatError);
    const good = moduleImporting([["cpu", "id", [], [I32]]]);
    assert.throws(() => readImports(good.subarray(0, good.length - 3)), WasmFormatError);
  });
  it("the built kernel.wasm imports only ABI functions", () => {
    const imports = readImports(readFileSync("build/kernel.wasm"));
    assert.ok(imports.length > 0);
    assert.deepEqual(checkImports(imports), []);
  });
});
