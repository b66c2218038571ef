// Where the kernel library is, and how a kernel's `import … from "tspi"`
// reaches it. The library is the package's assembly/ folder: in this
// repository ./assembly, in a user's project node_modules/tspi/assembly.
//
// asc 0.27 resolves a package import ("tspi/drivers/gpio") to the package's
// root (node_modules/tspi/drivers/gpio.ts) and ignores `ascMain`, and it
// names every file by its path: a library file reached once as a package
// import and once by a relative path would be compiled twice, with two
// copies of its state (two allocators). So the build never lets asc resolve
// "tspi": before asc reads a file of the kernel's, its "tspi" imports are
// rewritten to the relative path of the library file (same line, so every
// line and column before the import stays where it was), and the library is
// always compiled under one name per file. The editor and tsc reach the same
// files through tsconfig's `paths` (tsconfig.kernel.json).
import { existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** The package's root: the nearest folder above this file with a package.json and assembly/index.ts. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (true) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "assembly", "index.ts"))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`tspi: no package root (package.json with assembly/index.ts) above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** The kernel library's folder (absolute). */
export const LIB = join(packageRoot(), "assembly");

/** The library file a "tspi" or "tspi/…" specifier names (without .ts), or null for any other specifier. */
export function libTarget(specifier: string): string | null {
  if (specifier === "tspi") return join(LIB, "index");
  if (specifier.startsWith("tspi/")) return join(LIB, specifier.slice("tspi/".length));
  return null;
}

/** Whether `abs` is a file of the library. */
export function inLib(abs: string): boolean {
  return abs === LIB || abs.startsWith(LIB + "/");
}

const IMPORT = /(\bfrom\s*|\bimport\s*|\bimport\s*\(\s*)(["'])(tspi(?:\/[^"'\s]*)?)\2/g;

/** `text` (the file `abs`) with each "tspi" import made the relative path of the library file it names. */
export function rewriteLibImports(text: string, abs: string): string {
  if (!text.includes("tspi")) return text;
  return text.replace(IMPORT, (all, head: string, quote: string, spec: string) => {
    const target = libTarget(spec);
    if (!target) return all;
    let rel = relative(dirname(abs), target);
    if (!rel.startsWith(".")) rel = "./" + rel;
    return `${head}${quote}${rel}${quote}`;
  });
}

/** The "tspi" specifiers of `text` (for a walk over a kernel's files). */
export function libImports(text: string): string[] {
  return [...text.matchAll(IMPORT)].map((m) => m[3]);
}
