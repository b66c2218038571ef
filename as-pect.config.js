// as-pect: unit tests of kernel logic, compiled to wasm and run in node.
// Specs live in tests/spec/; they test the pure parts of assembly/ (the parts
// that do not call the host ABI).
export default {
  entries: ["tests/spec/**/*.spec.ts"],
  include: [],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
