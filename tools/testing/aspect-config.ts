// as-pect's config for the specs tools/testing/spec.ts runs (it names them
// in TSPI_SPECS): each spec module gets the recording fake host
// (fake-host.ts) as its imports, over the module's own memory.
import { createFakeHost } from "./fake-host.js";

type Imports = Record<string, Record<string, unknown>>;
type Instantiated = { instance?: WebAssembly.Instance; exports?: WebAssembly.Exports };

export default {
  entries: JSON.parse(process.env.TSPI_SPECS ?? "[]") as string[],
  include: [] as string[],
  disclude: [/node_modules/],
  async instantiate(memory: WebAssembly.Memory, createImports: (i: Imports) => Imports,
    instantiate: (binary: Uint8Array, imports: Imports) => Promise<Instantiated>, binary: Uint8Array): Promise<Instantiated> {
    let exports: WebAssembly.Exports | undefined;
    const host = createFakeHost(() => exports!.memory as WebAssembly.Memory);
    const result = instantiate(binary, createImports({ env: { memory }, ...host }));
    const done = await result;
    exports = (done.instance ?? done).exports;
    return result;
  },
  outputBinary: false,
};
