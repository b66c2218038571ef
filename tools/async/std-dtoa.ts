// The standard library formats a float (f64/f32 toString) in one static
// buffer, `dtoa_buf` in ~lib/util/number.ts, which the four cores share
// (linear memory is one for all): two cores formatting at once garbled
// each other's digits (issue 28). This asc transform, run on the parsed
// program before it is compiled, points std's uses of that buffer at
// `__dtoaBuf` instead, a @perCore variable of the kernel's runtime
// (assembly/kernel/mem/runtime.ts) that boot() sets to a buffer of the core's
// own. The standard library's text is not changed or copied: only the two
// identifiers in its parsed tree are renamed.
import { NodeKind } from "assemblyscript";

/** What the transform renames: std's buffer, in the file that declares it. */
const FILE = "~lib/util/number";
const FROM = "dtoa_buf";
const TO = "__dtoaBuf";
/** The uses asc 0.27.37's std has (dtoa_impl: dtoa_core's buffer, then the copy out of it). */
const USES = 2;

interface AstNode { kind: number; text?: string; [key: string]: unknown }
interface ParserLike { sources: { internalPath: string; statements: AstNode[] }[] }

/** Renames every expression use of `FROM` under `node` (not its declaration); returns how many. */
function rename(node: unknown, seen: Set<unknown>): number {
  if (!node || typeof node !== "object" || seen.has(node)) return 0;
  seen.add(node);
  if (Array.isArray(node)) return node.reduce((n: number, x) => n + rename(x, seen), 0);
  const n = node as AstNode;
  if (n.kind === NodeKind.Identifier && n.text === FROM) { n.text = TO; return 1; }
  let count = 0;
  for (const [key, value] of Object.entries(n)) {
    if (key === "range" || key === "parent") continue;
    if (n.kind === NodeKind.VariableDeclaration && key === "name") continue;   // the declaration stays (unused, @lazy)
    count += rename(value, seen);
  }
  return count;
}

/** The transform, for asc's API (`transforms`). */
export const perCoreDtoaBuffer = {
  afterParse(parser: ParserLike): void {
    const std = parser.sources.find((s) => s.internalPath === FILE);
    if (!std) return;                        // nothing formats numbers
    const renamed = rename(std.statements, new Set());
    if (renamed !== USES)
      throw new Error(`tools/async/std-dtoa.ts: ${FILE} uses ${FROM} ${renamed} times, not ${USES}: this asc is not the one the transform was written for; read its float formatting again (issue 28)`);
  },
};
