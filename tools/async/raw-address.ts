// A build-time check for the one way to hide an object from the collector:
// storing its address as a number, `atomic.store32(slot, changetype<u32>(obj))`
// (docs/memory-model.md, "What the collector cannot see"). The collector
// traces references; a u32 in static memory is not one, so the object is
// freed once nothing else holds it, and the core that loads the address back
// reads a freed (later a reused) block. The check is syntactic, on the
// user's own text (before the async transform): a store whose value is
// written as changetype<a number type>(something), or is a local declared
// with such a value (by name, within the file: it does not follow other
// arithmetic, fields or calls). It leaves the library (assembly/) alone,
// which roots its own by-address lists.
import ts = require("typescript");
import type { Diagnostic } from "./lower.js";

/** The atomic module's stores, and which of their arguments are values (the rest are addresses). */
const ATOMIC_VALUES = new Map<string, number[]>([
  ["store32", [1]], ["store64", [1]], ["xchg32", [1]], ["xchg64", [1]], ["cas32", [1, 2]], ["cas64", [1, 2]],
]);
/** store<T>(ptr, value): the value's types an address fits in. */
const ADDRESS_TYPES = new Set(["u32", "i32", "usize", "isize", "u64", "i64"]);

/** `x` without parentheses, `<T>` assertions and `as T`. */
function strip(e: ts.Expression): ts.Expression {
  for (;;) {
    if (ts.isParenthesizedExpression(e) || ts.isTypeAssertionExpression(e) || ts.isAsExpression(e)) e = e.expression;
    else return e;
  }
}

/** `changetype<u32>(obj)` (any number type), and what it converts. */
function addressOf(e: ts.Expression): ts.Expression | null {
  const c = strip(e);
  if (!ts.isCallExpression(c) || !ts.isIdentifier(c.expression) || c.expression.text !== "changetype") return null;
  const t = c.typeArguments?.[0];
  if (!t || !ts.isTypeReferenceNode(t) || !ts.isIdentifier(t.typeName) || !ADDRESS_TYPES.has(t.typeName.text)) return null;
  const arg = c.arguments[0];
  if (!arg || ts.isNumericLiteral(strip(arg))) return null;
  return arg;
}

/** The value arguments of a store that publishes a number: `atomic.store32`, `store<u32>`. */
function storedValues(call: ts.CallExpression): { op: string; values: ts.Expression[] } | null {
  const f = call.expression;
  const at = ts.isPropertyAccessExpression(f) ? ATOMIC_VALUES.get(f.name.text) : undefined;
  if (at && ts.isPropertyAccessExpression(f)) {
    return { op: `${f.expression.getText()}.${f.name.text}`, values: at.map((i) => call.arguments[i]).filter(Boolean) };
  }
  if (ts.isIdentifier(f) && f.text === "store") {
    const t = call.typeArguments?.[0];
    const name = t && ts.isTypeReferenceNode(t) && ts.isIdentifier(t.typeName) ? t.typeName.text : "";
    if (!ADDRESS_TYPES.has(name)) return null;
    return { op: `store<${name}>`, values: call.arguments[1] ? [call.arguments[1]] : [] };
  }
  return null;
}

/** Every store in `sf` that publishes an object as a raw address. */
export function findRawAddresses(sf: ts.SourceFile, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  // Locals that hold an address made so (`const a = changetype<u32>(obj)`): a store of one is the same pattern.
  const held = new Map<string, ts.Expression>();
  const collect = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer) {
      const obj = addressOf(n.initializer);
      if (obj) held.set(n.name.text, obj);
    }
    ts.forEachChild(n, collect);
  };
  collect(sf);
  const published = (v: ts.Expression): ts.Expression | null => {
    const direct = addressOf(v);
    if (direct) return direct;
    const e = strip(v);
    return ts.isIdentifier(e) ? held.get(e.text) ?? null : null;
  };
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n)) {
      const s = storedValues(n);
      for (const v of s?.values ?? []) {
        const obj = published(v);
        if (!obj || !s) continue;
        const at = sf.getLineAndCharacterOfPosition(v.getStart(sf));
        const what = obj.getText(sf);
        out.push({
          file, line: at.line + 1, col: at.character + 1,
          message: `${s.op} stores \`${what}\` as a number: the collector does not see a reference kept that way and frees the object once nothing else holds it. ` +
            `Keep it where the collector looks: an AtomicRef<T> (kernel/sync: \`const slot = new AtomicRef<T>()\` at module level, slot.set(${what}), slot.get()), a module variable, or a Channel. ` +
            `If it is kept alive another way (pin(${what}), a module variable that holds it), write atomic.storeUnchecked32 to say so (docs/memory-model.md, "What the collector cannot see").`,
        });
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** The check over files (absolute path, text, and the path to report); the library (under `library`) is skipped. */
export function checkRawAddresses(files: { abs: string; rel: string; text: string }[], library: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const f of files) {
    if (f.abs.startsWith(library + "/") || !/\bchangetype\s*</.test(f.text)) continue;
    const sf = ts.createSourceFile(f.abs, f.text, ts.ScriptTarget.ESNext, true);
    out.push(...findRawAddresses(sf, f.rel));
  }
  return out;
}
