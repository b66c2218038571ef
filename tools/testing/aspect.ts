// Where as-pect is (the project's own install, else this package's) and
// which version this package pins: light enough for tspi and tspi init to
// load without the compiler.
import fs from "node:fs";
import { dirname, join } from "node:path";
import { packageRoot } from "../kernel/lib-path.js";

/** as-pect's version, as this package pins it (package.json's devDependencies). */
export function aspectVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(join(packageRoot(), "package.json"), "utf8")) as { devDependencies: Record<string, string> };
  return pkg.devDependencies["@as-pect/cli"];
}

/** The folder of package `name` as node finds it from `from` (node_modules here and above), or null. */
function packageDir(from: string, name: string): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    if (fs.existsSync(join(dir, "node_modules", name, "package.json"))) return join(dir, "node_modules", name);
    if (dirname(dir) === dir) return null;
  }
}

/** as-pect's command module and its assembly entry: the project's (in `cwd`), else this package's; null when neither has them. */
export function findAspect(cwd: string): { cli: string; assembly: string } | null {
  for (const from of [cwd, packageRoot()]) {
    const cli = packageDir(from, "@as-pect/cli");
    const assembly = packageDir(from, "@as-pect/assembly");
    if (cli && assembly) return { cli: join(cli, "lib", "index.js"), assembly: join(assembly, "assembly", "index.ts") };
  }
  return null;
}

