// as-pect: unit tests of kernel logic, compiled to wasm and run in node.
// Specs live in tests/spec/. Code that calls the host ABI runs against
// tests/spec/host.js, a recording fake of the stub (console output, tally,
// core count), so specs can assert the exact trace of host calls.
import { createFakeHost } from "./tests/spec/host.js";

export default {
  entries: ["tests/spec/**/*.spec.ts"],
  include: [],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    let exports;
    const host = createFakeHost(() => exports.memory);
    const result = instantiate(binary, createImports({ env: { memory }, ...host }));
    const done = await result;
    exports = (done.instance ?? done).exports;
    return result;
  },
  outputBinary: false,
};
