// The TypeScript program the async transform reads types from: the kernel's
// sources with AssemblyScript's own declarations, where each numeric type
// (i32, u64, f64, ...) is made a distinct branded alias, so that the checker
// reports `i32` where AssemblyScript's declarations would make it `number`.
// Only the transform sees this variant; the editor and `make typecheck` use
// the declarations as they are.
// (require, not import: node loads it in 0.3 s instead of 0.8 s, since an ESM import of a CommonJS module runs its export lexer over the 9 MB file)
import ts = require("typescript");
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { LIB } from "../kernel/lib-path.js";

const require = createRequire(import.meta.url);
/** AssemblyScript's declarations for kernel code (std/assembly/index.d.ts). */
export const AS_DECLARATIONS = require.resolve("assemblyscript/std/assembly/index.d.ts");
/** The editor's declarations of ours: Promise, and what `await` gives for a Future (assembly/async.d.ts). */
export const NUMERIC = ["i8", "i16", "i32", "i64", "isize", "u8", "u16", "u32", "u64", "usize", "f32", "f64"];

/** AssemblyScript's declarations with every numeric alias branded (`type i32 = number & {...}`). */
export function brandedDeclarations(text: string): string {
  let out = text;
  for (const n of NUMERIC) {
    out = out.replace(new RegExp(`declare type ${n} = number;`), `declare type ${n} = number & { readonly __asNumeric?: "${n}" };`);
  }
  return out;
}

export interface ProgramOptions {
  /** Source text to use instead of the file on disk (absolute path -> text). */
  overrides?: Map<string, string>;
  /** Extra declaration files to include (assembly/async.d.ts). */
  extraRoots?: string[];
}

/** A program over `roots` (absolute paths) as the transform sees it. */
export function transformProgram(roots: string[], opts: ProgramOptions = {}): ts.Program {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ESNext,
    module: ts.ModuleKind.CommonJS,
    noLib: true,
    noEmit: true,
    strict: false,
    strictNullChecks: true,
    types: [],
    allowJs: false,
    skipLibCheck: true,
    baseUrl: dirname(AS_DECLARATIONS),
    // import … from "tspi": the library, as the editor sees it (tsconfig.kernel.json).
    paths: { "tspi": [join(LIB, "index.ts")], "tspi/*": [join(LIB, "*")] },
  };
  const host = ts.createCompilerHost(options, true);
  const cache = new Map<string, ts.SourceFile>();
  const original = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const abs = resolve(fileName);
    const hit = cache.get(abs);
    if (hit) return hit;
    let text: string | undefined = opts.overrides?.get(abs);
    if (text === undefined && abs === resolve(AS_DECLARATIONS)) text = brandedDeclarations(ts.sys.readFile(abs) ?? "");
    const sf = text !== undefined
      ? ts.createSourceFile(fileName, text, languageVersion, true)
      : original(fileName, languageVersion, onError, shouldCreate);
    if (sf) cache.set(abs, sf);
    return sf;
  };
  const readFile = host.readFile.bind(host);
  host.readFile = (f) => opts.overrides?.get(resolve(f)) ?? readFile(f);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (f) => opts.overrides?.has(resolve(f)) || fileExists(f);
  return ts.createProgram([AS_DECLARATIONS, ...(opts.extraRoots ?? []), ...roots], options, host);
}

/** assembly/async.d.ts of the package whose root is `root`. */
export function editorDeclarations(root: string): string { return join(root, "assembly", "async.d.ts"); }
