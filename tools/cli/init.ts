// `tspi init <folder>`: a new kernel project. It depends on tspi, keeps its
// kernel in src/main.ts, one spec and one QEMU check in test/, and its tsconfig.json
// extends the package's tsconfig.kernel.json, so an editor shows
// AssemblyScript's types, `await`'s, and no red.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { packageRoot } from "../kernel/lib-path.js";
import { aspectVersion } from "../testing/aspect.js";

/** The files of a new project named `name`, by path. */
export function projectFiles(name: string, version: string, aspectVersion: string): Record<string, string> {
  return {
    "package.json": JSON.stringify({
      name,
      version: "0.1.0",
      private: true,
      type: "module",
      description: "A Raspberry Pi 3/4 kernel in TypeScript (AssemblyScript), on tspi",
      scripts: { build: "tspi build", qemu: "tspi qemu", test: "tspi test" },
      dependencies: { tspi: `^${version}` },
      devDependencies: { "@as-pect/cli": aspectVersion },
    }, null, 2) + "\n",
    "tsconfig.json": JSON.stringify({
      extends: "tspi/tsconfig.kernel.json",
      include: ["src/**/*.ts", "test/**/*.ts", "bench/**/*.ts"],
    }, null, 2) + "\n",
    ".gitignore": "node_modules/\nbuild/\n",
    "README.md": [
      `# ${name}`,
      "A Raspberry Pi 3/4 kernel in TypeScript: `src/main.ts`, on [tspi](https://www.npmjs.com/package/tspi).",
      "`npx tspi qemu` builds it and boots it in QEMU on four cores (Ctrl-] quits); `npx tspi test` runs `test/`: specs in node, checks in QEMU.",
      "`npx tspi bench` runs `bench/` under QEMU: exact instruction counts. `npx tspi sdcard` then `npx tspi flash --device /dev/sdX` put it on a card; `npx tspi help` lists the rest.",
      "",
    ].join("\n"),
    "src/main.ts": `// ${name}: core 0 runs main() once all four cores are online; the tasks it
// spawns run on every core. Each \`await\` lets the core sleep or run another task.
import { spawn, sleep, Interval, Channel, println, print, printU64, coreId, banner, led, uart } from "tspi";

/** Blinks the activity LED: on for 100 ms, once a second. */
async function blink(): Promise<void> {
  const tick = new Interval(1000);
  while (true) {
    await tick;
    led.on();
    await sleep(100);
    led.off();
  }
}

/** Squares the numbers it receives and says which core did it. */
async function squarer(numbers: Channel<u32>): Promise<void> {
  while (true) {
    const n = await numbers.recv();
    print("core "); printU64(coreId()); print(": "); printU64(n); print(" squared is "); printU64(n * n); println("");
  }
}

/** Sends 1 to 5, one every 200 ms (test/producer.spec.ts checks it). */
export async function producer(numbers: Channel<u32>): Promise<void> {
  for (let n: u32 = 1; n <= 5; n++) {
    await numbers.send(n);
    await sleep(200);
  }
}

/**
 * Answers each line typed on the UART. Keep a task that reads the UART:
 * \`tspi push\` is seen in the bytes the kernel reads, so a kernel that never
 * reads its UART cannot be replaced without a reboot.
 */
async function echo(port: uart.Port): Promise<void> {
  while (true) {
    const line = await port.readLine();
    println("you typed: " + line);
  }
}

export function main(): void {
  banner();
  println("hello from ${name}");
  const numbers = new Channel<u32>(4);
  spawn(echo(uart.open(0)));
  spawn(blink());
  spawn(squarer(numbers));
  spawn(producer(numbers));
}
`,
    "test/producer.spec.ts": `// A spec (npx tspi test): kernel code compiled with as-pect and run in node
// against a fake of the board whose clock moves only when the spec says so
// (tick), not in QEMU: fast, and exact about time. tspi/testing has the rest
// (the trace of register writes, the fake firmware, interrupts).
import { Channel, spawn, ticksFromMillis } from "tspi";
import { fresh, tick } from "tspi/testing";
import { producer } from "../src/main";

async function collect(numbers: Channel<u32>, into: u32[]): Promise<void> {
  while (true) into.push(await numbers.recv());
}

describe("producer", () => {
  it("sends 1 to 5, one every 200 ms", () => {
    fresh();
    const numbers = new Channel<u32>(4);
    const got: u32[] = [];
    spawn(producer(numbers));
    spawn(collect(numbers, got));
    tick(0);
    expect(got.toString()).toBe("1");          // the first at once
    tick(ticksFromMillis(199));
    expect(got.toString()).toBe("1");          // the next not before 200 ms
    for (let i = 0; i < 4; i++) tick(ticksFromMillis(200));
    expect(got.toString()).toBe("1,2,3,4,5");
  });
});
`,
    "test/as-pect.d.ts": `// The specs' describe, it and expect, for the editor (as-pect's own declarations).
/// <reference types="@as-pect/assembly/types/as-pect" />
`,
    "bench/compute.ts": `// A benchmark (npx tspi bench): a kernel that measures itself. Each
// bench.row counts the guest instructions of calls of a function; under QEMU
// -icount, where tspi bench runs it, the counts are exact and the same on
// every run, so the table's change since the last run is your code's.
import { bench, heapBytesOf, dispose } from "tspi";

let result: u32 = 0;
function fib(n: u32): u32 { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
function fib20(): void { result = fib(20); }

function format(): void {
  const s = "core " + result.toString() + " squared";
  result = <u32>heapBytesOf(s);
  dispose(s);
}

export function main(): void {
  bench.figure("boot", bench.sinceBoot(), "instructions");
  bench.row("fib-20", fib20, 1);
  bench.row("format-string", format);
  bench.done();
}
`,
    "test/sleep.ts": `// A QEMU check (npx tspi test): a kernel that ends with exit(0) when it passes.
import { spawn, sleep, counter, timerFrequency, println, exit } from "tspi";

async function check(): Promise<void> {
  const start = counter();
  await sleep(50);
  const ms = (counter() - start) * 1000 / timerFrequency();
  println("slept " + ms.toString() + " ms");
  exit(ms >= 50 ? 0 : 1);
}

export function main(): void {
  spawn(check());
}
`,
  };
}

/** Writes a new project into `dir` (absent or empty); 0, or 2 when it would overwrite something. */
export function initProject(dir: string): number {
  if (existsSync(dir) && readdirSync(dir).length) {
    process.stderr.write(`tspi init: ${dir} is not empty: give a new folder's name (nothing was written)\n`);
    return 2;
  }
  const name = basename(dir).toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[._-]+/, "") || "kernel";
  const version = (JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string }).version;
  const files = projectFiles(name, version, aspectVersion());
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const at = relative(process.cwd(), dir) || ".";
  process.stdout.write([
    `tspi init: a kernel project in ${at}:`,
    ...Object.keys(files).map((f) => `  ${f}`),
    "next:",
    `  cd ${at} && npm install && npx tspi qemu`,
    "",
  ].join("\n"));
  return 0;
}
