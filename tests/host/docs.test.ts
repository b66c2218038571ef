// The figures README.md and docs/ quote come from make bench (issue 23):
// each quoted figure (<!--fig:KEY-->...<!--/fig-->, tools/bench/figures.ts)
// says what bench/results.json says, so a figure cannot go stale unseen.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { figureFiles, quoted, withFigures, Results } from "../../tools/bench/figures.js";

const results = JSON.parse(readFileSync("bench/results.json", "utf8")) as Results;

describe("figures quoted in the docs", () => {
  it("each one is what bench/results.json says (make bench writes them)", () => {
    let count = 0;
    for (const f of figureFiles()) {
      for (const q of quoted(readFileSync(f, "utf8"), results, f)) {
        count++;
        assert.notEqual(q.is, null, `${f}: <!--fig:${q.key}--> names no figure (tools/bench/figures.ts)`);
        assert.equal(q.says, q.is, `${f}: ${q.key} says ${q.says}, bench/results.json ${q.is}: run make bench`);
      }
    }
    assert.ok(count >= 25, `only ${count} quoted figures`);
  });
  it("a stale figure is seen, and make bench's rewrite puts it right", () => {
    const text = "costs <!--fig:wake-poll-wasm3-->1<!--/fig--> instructions, <!--fig:row.exec-spawn.aot-->2<!--/fig-->\n```\nboot: Raspberry Pi 3 (BCM2837), timer 62.500 MHz, kernel.wasm 3 bytes, wasm3 0.5.0\n```\n";
    const q = quoted(text, results, "README.md");
    assert.equal(q.length, 3);
    assert.ok(q.every((x) => x.is !== null && x.says !== x.is), JSON.stringify(q));
    const fixed = withFigures(text, results, "README.md");
    assert.ok(quoted(fixed, results, "README.md").every((x) => x.says === x.is), fixed);
    assert.throws(() => withFigures("<!--fig:nothing-->1<!--/fig-->", results), /<!--fig:nothing-->: no such figure/);
  });
});
