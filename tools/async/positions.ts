// Positions in a lowered file (what asc compiled) back in the user's file,
// for asc's compile messages (asc.ts). The lowered text keeps every source
// line where it was (the imports share line 1; each async function keeps
// its lines, as a one-line wrapper and blank lines; the machines' classes
// come after the last line), so outside async functions a position is the
// user's already, as is every run-time abort there. In the machines, lines
// and columns differ: lineMap gives the line, and the token gives the column.

/** A lowered file: its text as asc saw it, the source's, and for each lowered line (0-based) the source line (1-based). */
export interface LoweredFile { lowered: string[]; source: string[]; lineMap: number[] }

export interface SourcePosition {
  line: number;
  col: number;
  /** Whether the lowered line was written by the transform (not the source line as it is). */
  rewritten: boolean;
}

/**
 * The user's line and column for `line`:`col` (1-based) of the lowered
 * text. A line copied as it is keeps its column; in a rewritten line
 * (`this.x` for a lifted `x`, an await's poll) the column is where the same
 * token stands in the source line, else the line's first character.
 */
export function sourcePosition(f: LoweredFile, line: number, col: number): SourcePosition {
  const srcLine = f.lineMap[line - 1] ?? line;
  const gen = f.lowered[line - 1] ?? "";
  const src = f.source[srcLine - 1] ?? "";
  if (gen === src) return { line: srcLine, col, rewritten: false };
  let at = gen.slice(Math.max(0, col - 1));
  if (at.startsWith("this.self.")) at = at.slice("this.self.".length);
  else if (at.startsWith("this.self")) at = "this" + at.slice("this.self".length);
  else if (at.startsWith("this.")) at = at.slice("this.".length);
  const token = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*|^\S+/.exec(at)?.[0] ?? "";
  const found = token ? src.indexOf(token) : -1;
  const first = src.search(/\S/);
  return { line: srcLine, col: found >= 0 ? found + 1 : first >= 0 ? first + 1 : col, rewritten: true };
}
