// `make soak`: boots each soak image (tests/soak/stress-soak.ts: 1,000 stress
// rounds, half of them with async actors; stress-soak-gc.ts: the same with no
// dispose(), in a small heap; gc-soak.ts: the collector's checks at five
// times make test's volume; exec-load-soak.ts and mpmc-soak.ts: the
// executor's load and channel checks at 10-25 times it) on every board, under -icount (one schedule per
// seed, replayable with tests/kernels/stress.ts) and without (the four cores
// really in parallel, a new interleaving each run), and prints each run's
// summary: the stress images' rounds, tasks, values, cancellations and
// failures (each failure's seed is in the output above it), the collector
// image's check lines. Exits non-zero if any run failed or timed out.
//
//   node soak.js build/soak/stress-soak.img build/soak/stress-soak-gc.img build/soak/gc-soak.img ...
import { BOARDS } from "../boards/index.js";
import { runQemu } from "../run/qemu.js";

async function main(images: string[]): Promise<number> {
  let bad = 0;
  for (const image of images) for (const b of BOARDS) {
    for (const icount of [true, false]) {
      const r = await runQemu({ board: b.name, image, timeoutMs: 20 * 60_000, icount });
      // A stress image's summary says how many rounds failed; the others end with their verdict.
      const lines = r.output.split("\n").filter((l) => l.startsWith("stress:") || /\((ok|WRONG)\) \[\d+ ms\]$|^gc: |^(ping-pong|mpmc|exec load test|\d+ tasks): /.test(l));
      console.log(`  ${image}`);
      for (const l of lines) console.log(`  ${b.name} ${icount ? "-icount" : "parallel"}  ${l}`);
      const summary = lines.find((l) => /^stress: \d+ rounds/.test(l));
      const passed = summary ? / 0 failed$/.test(summary) : ["gc: all checks passed", "exec load test: ok", "mpmc test: ok"].some((v) => lines.includes(v));
      if (r.timedOut || r.code !== 0 || !passed) {
        bad++;
        console.log(`  ${b.name} ${icount ? "-icount" : "parallel"}  FAILED (exit ${r.code}${r.timedOut ? ", timed out" : ""}); output:\n${r.output}`);
      }
      console.log(`  ${b.name} ${icount ? "-icount" : "parallel"}  ${(r.ms / 1000).toFixed(1)} s`);
    }
  }
  return bad ? 1 : 0;
}

const images = process.argv.slice(2);
if (!images.length) { console.error("usage: node soak.js build/soak/stress-soak.img [more images]"); process.exit(2); }
main(images).then((c) => process.exit(c), (e) => { console.error(`soak: error: ${(e as Error).message}`); process.exit(1); });
