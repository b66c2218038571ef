// `Date.now()` without a host import. AssemblyScript's std implements it as
// `Date_binding.now()` (~lib/date.ts), an import of the host's
// `env.Date.now` (~lib/bindings/dom.ts), which the stub does not have. This
// asc transform, run on the parsed program before it is compiled, points
// that one call at the kernel's clock instead: `kernelNow` in
// assembly/arch/sys.ts (the time since boot, or the wall clock
// assembly/kernel/clock.ts keeps), through a global alias the transform adds
// as `--use` would, as the kernel's `seed` for Math.random() is routed
// (tools/async/compile.ts). The standard library's text is not changed or
// copied: one call in its parsed tree gets another callee.
//
// The kernel build (compile.ts) and the spec runner (tools/testing/spec.ts,
// through its asconfig's "transform") both run it. A program without
// assembly/arch/sys (no kernel's) is left alone.
import { Node, NodeKind } from "assemblyscript";

/** What the transform rewrites: std's call of the host's Date.now, in the file that has it. */
const FILE = "~lib/date";
const BINDING = "Date_binding";
/** The kernel's function, and the global name the rewritten call reaches it by. */
const TARGET = "kernelNow";
export const ALIAS = "__tspiDateNow";
/** The calls asc 0.27.37's std has (Date.now). */
const USES = 1;

interface AstNode { kind: number; text?: string; range?: unknown; [key: string]: unknown }
interface SourceLike { internalPath: string; statements: AstNode[] }
interface ParserLike { sources: SourceLike[] }
interface ProgramLike { options: { globalAliases: Map<string, string> | null } }

/** The calls `Date_binding.now()` under `node`. */
function calls(node: unknown, seen: Set<unknown>, out: AstNode[]): AstNode[] {
  if (!node || typeof node !== "object" || seen.has(node)) return out;
  seen.add(node);
  if (Array.isArray(node)) { for (const x of node) calls(x, seen, out); return out; }
  const n = node as AstNode;
  if (n.kind === NodeKind.Call) {
    const callee = n.expression as AstNode;
    if (callee?.kind === NodeKind.PropertyAccess && (callee.expression as AstNode)?.kind === NodeKind.Identifier &&
        (callee.expression as AstNode).text === BINDING && (callee.property as AstNode)?.text === "now") out.push(n);
  }
  for (const [key, value] of Object.entries(n)) {
    if (key === "range" || key === "parent") continue;
    calls(value, seen, out);
  }
  return out;
}

/** The kernel's arch/sys source: the one whose path ends in arch/sys and that declares `kernelNow`. */
function sysSource(parser: ParserLike): SourceLike | null {
  const found = parser.sources.filter((s) => /(^|\/)arch\/sys$/.test(s.internalPath) && s.statements.some((st) =>
    st.kind === NodeKind.FunctionDeclaration && (st.name as AstNode)?.text === TARGET));
  return found.length === 1 ? found[0] : null;
}

/** The transform, for asc's API (`transforms`) and asconfig's "transform" (a class: asc gives it `program`). */
export class KernelDateNow {
  declare program: ProgramLike;
  afterParse(parser: ParserLike): void {
    const std = parser.sources.find((s) => s.internalPath === FILE);
    const sys = sysSource(parser);
    if (!std || !sys) return;
    const found = calls(std.statements, new Set(), []);
    if (found.length !== USES)
      throw new Error(`tools/async/std-date.ts: ${FILE} calls ${BINDING}.now() ${found.length} times, not ${USES}: this asc is not the one the transform was written for; read its Date.now again`);
    for (const call of found) call.expression = Node.createIdentifierExpression(ALIAS, (call.expression as AstNode).range as never) as never;
    const options = this.program.options;
    options.globalAliases ??= new Map();
    options.globalAliases.set(ALIAS, `${sys.internalPath}/${TARGET}`);
  }
}

export default KernelDateNow;
