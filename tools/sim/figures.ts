// The heap's and the collector's figures of a running kernel, for the page
// and the node API (pi.figures()): the kernel's export `__figures`
// (assembly/kernel/mem/figures.ts, which the build's entry adds) called in
// an instance of the module of our own over the same shared memory. That
// instance runs nothing else (the module has no start function: the cores
// call _initialize) and has no host: each import throws, and __figures
// calls none. A kernel built without the export (the test kernels, an older
// build) has no figures: null.

/** The row's layout (assembly/kernel/mem/figures.ts). */
const VERSION = 1, WORDS = 18;

export interface Figures {
  /** null until a core set the heap up. */
  heap: { inUse: number; liveBlocks: number; peak: number; blockBytes: number; free: number; capacity: number } | null;
  gc: {
    collections: number; abandoned: number; liveObjects: number; liveBytes: number;
    increments: number; urgent: number; maxPauseMs: number; collecting: boolean; threshold: number;
  };
}

export class FigureReader {
  private constructor(private readonly read: () => number, private readonly memory: WebAssembly.Memory, private readonly frequency: number) {}

  /** A reader for the kernel in `module` over `memory`, or null if it has no __figures. */
  static async create(module: WebAssembly.Module, memory: WebAssembly.Memory, frequency: number): Promise<FigureReader | null> {
    if (!WebAssembly.Module.exports(module).some((e) => e.name === "__figures" && e.kind === "function")) return null;
    const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
    for (const imp of WebAssembly.Module.imports(module)) {
      imports[imp.module] ??= {};
      if (imp.kind === "memory") imports[imp.module][imp.name] = memory;
      else if (imp.kind === "function") imports[imp.module][imp.name] = () => { throw new Error(`__figures called ${imp.module}.${imp.name}: it must read memory only (assembly/kernel/mem/figures.ts)`); };
    }
    const instance = await WebAssembly.instantiate(module, imports);
    return new FigureReader(instance.exports.__figures as () => number, memory, frequency);
  }

  /** The figures now; throws if the kernel's row is not the layout this reader knows. */
  figures(): Figures {
    const at = this.read() >>> 0;
    const w = new Uint32Array(this.memory.buffer, at, WORDS);
    if (w[0] !== VERSION) throw new Error(`the kernel's figures are version ${w[0]}, the simulator reads version ${VERSION}: build the kernel and the simulator from the same tspi`);
    return {
      heap: w[1] ? { inUse: w[2], liveBlocks: w[3], peak: w[4], blockBytes: w[5], free: w[6], capacity: w[7] } : null,
      gc: {
        collections: w[8], abandoned: w[9], liveObjects: w[10], liveBytes: w[11], increments: w[12], urgent: w[13],
        maxPauseMs: (w[14] + w[15] * 2 ** 32) * 1000 / this.frequency, collecting: w[16] !== 0, threshold: w[17],
      },
    };
  }
}
