// Writes a generated file only when its text changes, so that its mtime
// stays put and make rebuilds nothing that depends on it (the generators of
// the host ABI, the boards and the push protocol's constants use it).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** Writes `text` to `path` (making its folder) unless the file already holds it; true when it wrote. */
export function writeIfChanged(path: string, text: string): boolean {
  mkdirSync(dirname(path), { recursive: true });
  let old: string | null = null;
  try { old = readFileSync(path, "utf8"); } catch { /* a new file */ }
  if (old === text) return false;
  writeFileSync(path, text);
  return true;
}
