// A build-time check for the one mistake lazy futures invite (issue 25): a
// future made and dropped. `sleep(1000);` or `step();` (an async function)
// as a statement builds, and does nothing: a future here runs only when it
// is polled (awaited, spawned, or polled by hand), unlike a JavaScript
// promise, which starts when it is made. So an expression statement whose
// value is a future (the library's Future, or anything that extends it: an
// async function's Promise<T> too) is an error at the user's line, with what
// to write instead. A spawned task's JoinHandle is not one: dropping it
// detaches the task, which runs all the same. `void f()` says the drop is
// meant, as TypeScript's linters take it (no-floating-promises).
import ts = require("typescript");
import { sep } from "node:path";
import type { Diagnostic } from "./lower.js";

/** Where the library declares a class, by its file's tail: the base of every future, and the spawned task's handle. */
const FUTURE = { name: "Future", file: ["kernel", "exec", "future.ts"].join(sep) };
const HANDLE = { name: "JoinHandle", file: ["kernel", "exec", "executor.ts"].join(sep) };

function declaredIn(sym: ts.Symbol, where: { name: string; file: string }): boolean {
  if (sym.getName() !== where.name) return false;
  return (sym.getDeclarations() ?? []).some((d) => d.getSourceFile().fileName.split("/").join(sep).endsWith(where.file));
}

/** What `t` is to this check: a future, a task's handle, or neither (its class chain, the editor's Promise<T> included). */
function kind(t: ts.Type, checker: ts.TypeChecker): "future" | "handle" | null {
  let cur: ts.Type | undefined = t;
  for (let depth = 0; cur && depth < 32; depth++) {
    const sym = cur.getSymbol();
    if (sym && declaredIn(sym, HANDLE)) return "handle";
    if (sym && declaredIn(sym, FUTURE)) return "future";
    const target: ts.Type = (cur as ts.TypeReference).target ?? cur;
    if (!(target.flags & ts.TypeFlags.Object) || !((target as ts.ObjectType).objectFlags & (ts.ObjectFlags.Class | ts.ObjectFlags.Interface))) return null;
    cur = checker.getBaseTypes(target as ts.InterfaceType)[0];
  }
  return null;
}

function strip(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e)) e = e.expression;
  return e;
}

/** The callee's name as written, for the message (`sleep`, `this.step`, `new Sleep`). */
function calleeText(e: ts.CallExpression | ts.NewExpression, sf: ts.SourceFile): string {
  const text = e.expression.getText(sf);
  return ts.isNewExpression(e) ? `new ${text}` : text;
}

/** Every expression statement in `sf` that makes a future and drops it. */
export function findDroppedFutures(sf: ts.SourceFile, checker: ts.TypeChecker): Diagnostic[] {
  const out: Diagnostic[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isExpressionStatement(node)) {
      const e = strip(node.expression);
      if ((ts.isCallExpression(e) || ts.isNewExpression(e)) && e.expression.kind !== ts.SyntaxKind.SuperKeyword) {
        const t = checker.getTypeAtLocation(e);
        if (kind(t, checker) === "future") {
          const { line, character } = sf.getLineAndCharacterOfPosition(e.getStart(sf));
          const what = calleeText(e, sf);
          const type = checker.typeToString(t);
          out.push({
            file: sf.fileName, line: line + 1, col: character + 1, kind: "dropped",
            message: `\`${what}(...)\` makes a future (${type}) and drops it: a future runs only when it is polled, so nothing happens ` +
              `(unlike a JavaScript promise, which starts when it is made: docs/async.md, "Futures are lazy"). ` +
              `Write \`await ${what}(...)\` in an async function, \`spawn(${what}(...))\` to run it as a task of its own, ` +
              `or keep it (\`const f = ${what}(...)\`) to await or cancel later; \`void ${what}(...)\` if dropping it is what you mean`,
          });
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}
