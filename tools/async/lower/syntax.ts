// Syntax helpers of the async transform: what a node is or holds, without types.
import ts = require("typescript");

export const RESERVED = new Set([
  "state", "isPending", "isReady", "isCancelled", "poll", "pollOnce", "cancel", "withdraw", "reset", "rearm",
  "dispose", "kind", "output", "self", "constructor", "_state",
]);
export const NUMERIC_NAMES = new Set(["i8", "i16", "i32", "i64", "isize", "u8", "u16", "u32", "u64", "usize", "f32", "f64"]);
export const VALUE_TYPES = new Set(["i8", "i16", "i32", "i64", "isize", "u8", "u16", "u32", "u64", "usize", "f32", "f64", "bool", "v128"]);

export function hasAsync(n: ts.Node): boolean {
  return (ts.canHaveModifiers(n) && ts.getModifiers(n)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) ?? false;
}

/** Does `n` hold an await of its own (not inside a nested function)? */
export function containsAwait(n: ts.Node): boolean {
  if (ts.isAwaitExpression(n)) return true;
  if (ts.isFunctionLike(n)) return false;
  return ts.forEachChild(n, (c) => (containsAwait(c) ? true : undefined)) ?? false;
}
export function containsAwaitShallow(fn: ts.Node): boolean {
  let found = false;
  const visit = (c: ts.Node): void => { if (found) return; if (ts.isAwaitExpression(c)) { found = true; return; } if (ts.isFunctionLike(c)) return; ts.forEachChild(c, visit); };
  ts.forEachChild(fn, visit);
  return found;
}

export function stripParens(e: ts.Expression): ts.Expression { while (ts.isParenthesizedExpression(e)) e = e.expression; return e; }

export function isLoop(n: ts.Node): boolean {
  return ts.isWhileStatement(n) || ts.isDoStatement(n) || ts.isForStatement(n) || ts.isForOfStatement(n) || ts.isForInStatement(n);
}

export function isAssignment(op: ts.SyntaxKind): boolean { return op >= ts.SyntaxKind.FirstAssignment && op <= ts.SyntaxKind.LastAssignment; }

/** The block (or loop, or case clause) a declaration lives in. */
export function scopeOf(d: ts.VariableDeclaration): ts.Node {
  let p: ts.Node = d.parent;
  while (p && !(ts.isBlock(p) || ts.isForStatement(p) || ts.isForOfStatement(p) || ts.isCaseClause(p) || ts.isDefaultClause(p) || ts.isSourceFile(p))) p = p.parent;
  return p;
}


/** Does the awaited expression make its future (so the await owns it)? */
export function ownsResult(e: ts.Expression): boolean {
  const x = stripParens(e);
  return ts.isCallExpression(x) || ts.isNewExpression(x);
}

/** An expression that gives the same value if evaluated after an await: no calls, no assignments. */
export function isPure(e: ts.Node): boolean {
  if (ts.isCallExpression(e) || ts.isNewExpression(e) || ts.isAwaitExpression(e)) return false;
  if (ts.isBinaryExpression(e) && isAssignment(e.operatorToken.kind)) return false;
  if ((ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e)) &&
    (e.operator === ts.SyntaxKind.PlusPlusToken || e.operator === ts.SyntaxKind.MinusMinusToken)) return false;
  return ts.forEachChild(e, (c) => (isPure(c) ? undefined : true)) === undefined;
}

/**
 * The type asc gives a local initialised with a number literal and no
 * annotation: i32 for an integer that fits (i64 if not), f64 with a point or
 * an exponent. Undefined for anything else.
 */
export function literalType(e: ts.Expression): string | undefined {
  let x = stripParens(e);
  if (ts.isPrefixUnaryExpression(x) && x.operator === ts.SyntaxKind.MinusToken) x = x.operand;
  if (!ts.isNumericLiteral(x)) return undefined;
  const t = x.text;
  if (/^0[xXbBoO]/.test(t)) return Number(t) <= 0x7fffffff ? "i32" : "i64";
  if (/[.eE]/.test(t)) return "f64";
  return Math.abs(Number(t)) <= 0x7fffffff ? "i32" : "i64";
}

/** The type an async function's call has at build time: AsyncFuture<R>, or AsyncFn for Promise<void>. */
export function futureOf(result: string): string { return result.trim() === "void" ? "__AsyncFn" : `__AsyncFuture<${result}>`; }

export function typeParams(tps: ts.NodeArray<ts.TypeParameterDeclaration> | undefined, sf: ts.SourceFile): { decl: string; use: string } {
  if (!tps || !tps.length) return { decl: "", use: "" };
  return { decl: `<${tps.map((t) => t.getText(sf)).join(", ")}>`, use: `<${tps.map((t) => t.name.text).join(", ")}>` };
}
