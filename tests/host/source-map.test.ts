// Source maps through share-globals (tools/kernel/source-map.ts): asc's
// map of a kernel, carried over to the module the pass rebuilt, says of
// each function's instructions what it said before the pass; and the
// shift the simulator's page applies keeps it true for its own module.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeMappings, encodeMappings, functionInstructions, shiftSourceMap, SourceMapIndex, type SourceMapV3 } from "../../tools/kernel/source-map.js";
import { shareGlobalsFile } from "../../tools/kernel/share-globals.js";
import { prepareModule } from "../../tools/sim/module.js";

const indexes = new WeakMap<SourceMapV3, SourceMapIndex>();
const where = (map: SourceMapV3, at: number) => {
  let x = indexes.get(map);
  if (!x) indexes.set(map, x = new SourceMapIndex(map));
  const l = x.at(at);
  return l ? `${l.source}:${l.line}` : "-";
};

describe("source maps through share-globals and the simulator", () => {
  it("an async function's code maps to the lines the user wrote, not to its state machine's past the file's end (build/kernel.wasm: the tour)", () => {
    const map = JSON.parse(readFileSync("build/kernel.wasm.map", "utf8")) as SourceMapV3;
    const file = "examples/tour/main.ts", text = readFileSync(file, "utf8").split("\n");
    const lines = new Set<number>();
    for (const fn of functionInstructions(readFileSync("build/kernel.wasm"))) for (const ins of fn) {
      const w = where(map, ins.at);
      if (w.startsWith(file + ":")) lines.add(Number(w.slice(file.length + 1)));
    }
    const past = [...lines].filter((l) => l > text.length);
    assert.deepEqual(past, [], `lines past ${file}'s ${text.length}`);
    // echo()'s println, and blink()'s await, are lines of async functions: their machines' code maps there.
    for (const needle of ['println("you typed: "', "await tick;"]) {
      const line = text.findIndex((l) => l.includes(needle)) + 1;
      assert.ok(line > 0 && lines.has(line), `no instruction maps to ${file}:${line} (${needle})`);
    }
  });

  it("each function's instructions map to the same lines after share-globals; the page's shift keeps them", { timeout: 60_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), "tspi-map-"));
    try {
      const pre = join(dir, "pre.wasm"), post = join(dir, "post.wasm");
      const asc = spawnSync(process.execPath, ["build/tools/tools/async/asc.js", "tests/kernels/trap-abort.ts", "--target", "release",
        "--initialMemory", "1024", "--maximumMemory", "1024", "--outFile", pre, "--sourceMap"], { encoding: "utf8" });
      assert.equal(asc.status, 0, asc.stderr);
      copyFileSync(pre, post);
      copyFileSync(pre + ".map", post + ".map");
      const quiet = { stdout: () => {}, stderr: (s: string) => assert.fail(s) };
      assert.equal(shareGlobalsFile(post, pre.replace(/\.wasm$/, ".percore.json"), "", quiet), 0);
      const a = { wasm: readFileSync(pre), map: JSON.parse(readFileSync(pre + ".map", "utf8")) as SourceMapV3 };
      const b = { wasm: readFileSync(post), map: JSON.parse(readFileSync(post + ".map", "utf8")) as SourceMapV3 };
      assert.notDeepEqual(a.wasm, b.wasm, "the pass changed the module");
      const fa = functionInstructions(a.wasm), fb = functionInstructions(b.wasm);
      assert.equal(fa.length, fb.length);
      // The lines each function's instructions map to, before and after (by opcode, where the pass left them).
      let same = 0;
      fa.forEach((fn, k) => {
        const lines = (m: SourceMapV3, ins: typeof fn) => [...new Set(ins.map((i) => where(m, i.at)))].sort().join(" ");
        if (lines(a.map, fn) === lines(b.map, fb[k])) same++;
      });
      assert.ok(same >= fa.length - 2, `${same} of ${fa.length} functions map to the same lines`);
      // Without the carry-over, asc's map read against the new module says something else.
      let stale = 0;
      fb.forEach((fn, k) => { if (fn.some((i, n) => fa[k][n] && where(a.map, i.at) !== where(a.map, fa[k][n].at))) stale++; });
      assert.ok(stale > fa.length / 4, `asc's own map is wrong for ${stale} functions after the pass (the test can fail)`);
      // The page's module: the code section moved by `shift`; the shifted map says of it what the map said of the file.
      const sim = prepareModule(b.wasm, "http://localhost/kernel.wasm.map");
      const shift = Number(/\?shift=(-?\d+)/.exec(Buffer.from(sim.first).toString("latin1"))![1]);
      const shifted = shiftSourceMap(b.map, shift), fc = functionInstructions(sim.first);
      fb.forEach((fn, k) => fn.forEach((ins, n) => assert.equal(where(shifted, fc[k][n].at), where(b.map, ins.at))));
      assert.ok(fb.some((fn) => fn.some((i) => where(b.map, i.at).startsWith("tests/kernels/trap-abort.ts:"))), "the kernel's own file is in the map");
      // VLQ: decoding and encoding again gives asc's text back.
      assert.equal(encodeMappings(decodeMappings(a.map.mappings)), a.map.mappings.split(";")[0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
