// as-pect: unit tests of kernel logic, compiled to wasm and run in node.
// Specs live in tests/spec/ and are built with the kernel's own runtime and
// allocator (as-pect.asconfig.json). Host calls go to a recording fake of
// the stub, tests/host/fake-host.ts (compiled by `make test-host` before
// as-pect runs), so specs can assert the exact trace of host calls.
import { createFakeHost } from "./build/tools/tests/host/fake-host.js";

export default {
  entries: [process.env.SPEC ?? "tests/spec/**/*.spec.ts"],
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
