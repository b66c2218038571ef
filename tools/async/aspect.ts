// as-pect with the async transform in front (make test-host): the specs and
// everything they import reach asc lowered, as in a kernel build
// (tools/async/asc.ts). as-pect reads sources with fs.readFileSync and offers
// no hook, so this runner lowers them first and answers those reads.
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { resolve } from "node:path";
import { lowerProgram, formatDiagnostic, keepLowered, mapMessages, ours } from "./compile.js";
import { rewriteLibImports } from "../kernel/lib-path.js";
import { stripPerCore } from "./percore.js";
import { relative } from "node:path";

const pattern = process.env.SPEC ?? "tests/spec/*.spec.ts";
const dir = resolve("tests/spec");
const entries = pattern.includes("*")
  ? fs.readdirSync(dir).filter((f) => f.endsWith(".spec.ts")).map((f) => resolve(dir, f))
  : [resolve(pattern)];
const { files, errors } = lowerProgram(entries);
if (errors.length) {
  for (const e of errors) process.stderr.write(formatDiagnostic(e) + "\n");
  process.exit(1);
}
keepLowered(files);
const read = fs.readFileSync;
const root = process.cwd();
const perCore = new Map<string, { global: string; file: string; line: number }>();   // (the specs run one instance: per core is per instance, nothing to share)
fs.readFileSync = ((path: fs.PathOrFileDescriptor, options?: unknown) => {
  if (typeof path === "string") {
    const abs = resolve(path);
    const f = files.get(abs);
    if (f) return stripPerCore(rewriteLibImports(f.result.text, abs), relative(root, abs), perCore);
    if (abs.endsWith(".ts") && ours(abs)) {
      const text = (read as (p: string, o: string) => string)(path, "utf8");
      const stripped = stripPerCore(rewriteLibImports(text, abs), relative(root, abs), perCore);
      return typeof options === "string" || (options as { encoding?: string })?.encoding ? stripped : Buffer.from(stripped);
    }
  }
  return (read as (p: fs.PathOrFileDescriptor, o?: unknown) => string | Buffer)(path, options);
}) as typeof fs.readFileSync;
syncBuiltinESMExports();
const write = process.stderr.write.bind(process.stderr);
process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) =>
  write(typeof chunk === "string" ? mapMessages(chunk, files) : chunk, ...(rest as []))) as typeof process.stderr.write;
const { asp } = await import("@as-pect/cli");
await asp(process.argv);
