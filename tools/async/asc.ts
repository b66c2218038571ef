// The kernel build's compiler command: `node build/tools/tools/async/asc.js
// <entry.ts> [asc options]` compiles like `asc` does, with the async
// transform in front (tools/async/compile.ts). When a resident compiler of
// this project is running (tools/async/server.ts: make test and make qemu
// start one), the build is done there, where asc, Binaryen and TypeScript
// are loaded and warm already; otherwise here. Either way the messages, the
// files written and the exit code are the same.
import { requestCompile } from "./server.js";
import { PROCESS_OUTPUT as out } from "./output.js";

const argv = process.argv.slice(2);

async function main(): Promise<number> {
  const served = await requestCompile(argv, out);
  if (served !== null) return served;
  const { compileKernel } = await import("./compile.js");
  return compileKernel(argv, out);
}

main().then((code) => process.exit(code), (e) => {
  process.stderr.write(`error: the async transform failed: ${e instanceof Error ? e.stack : e}\n`);
  process.exit(1);
});
