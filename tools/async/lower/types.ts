// Types: naming, in source text, the type of a value that becomes a field, what an await gives, and whether a value is a future.
// A layer of the async transform (lower/base.ts lists them).
import ts = require("typescript");
import { stripParens, NUMERIC_NAMES } from "./syntax.js";
import { LowerBase } from "./base.js";

export abstract class LowerTypes extends LowerBase {
  annotateAdvice(d: ts.VariableDeclaration): string {
    const name = d.name.getText(this.sf);
    const kw = d.parent.flags & ts.NodeFlags.Const ? "const" : "let";
    const operandType = (e: ts.Expression): string | undefined => {
      const x = stripParens(e);
      if (ts.isBinaryExpression(x)) return operandType(x.left) ?? operandType(x.right);
      if (ts.isPrefixUnaryExpression(x)) return operandType(x.operand);
      if (ts.isConditionalExpression(x)) return operandType(x.whenTrue) ?? operandType(x.whenFalse);
      const t = this.checker.getTypeAtLocation(x);
      return t.aliasSymbol && NUMERIC_NAMES.has(t.aliasSymbol.name) ? t.aliasSymbol.name : undefined;
    };
    const guess = d.initializer ? operandType(d.initializer) : undefined;
    return guess
      ? `\`${name}\` lives across an await, so it becomes a field, and its type must be known: annotate it (\`${kw} ${name}: ${guess} = ...\`), the type of its first typed operand, as asc gives it`
      : `\`${name}\` lives across an await, so it becomes a field, and its type must be known: nothing in its initializer says which numeric type it is, so annotate it with the one you mean (\`${kw} ${name}: <type> = ...\`)`;
  }

  /** The annotated type of the variable `e` initialises, if it is one's whole initializer. */
  contextualType(e: ts.Expression): string | undefined {
    let p: ts.Node = e.parent;
    while (ts.isParenthesizedExpression(p)) p = p.parent;
    if (ts.isVariableDeclaration(p) && p.type) return p.type.getText(this.sf);
    return undefined;
  }

  /** The element type of the array a for...of walks (Array<T>, StaticArray<T>, ...: its one type argument). */
  elementType(e: ts.Expression, why: string): string {
    const t = this.checker.getTypeAtLocation(e);
    const args = (t as ts.TypeReference).target ? this.checker.getTypeArguments(t as ts.TypeReference) : [];
    if (args.length < 1) throw this.error(e, `${why}: \`for...of\` walks arrays (Array<T>, StaticArray<T>) here`);
    return this.typeOfType(args[0], e, why);
  }

  /** The type of `node` as source text, or an error that says `why` when it is not sure. */
  typeOf(node: ts.Node, why: string): string {
    return this.typeOfType(this.checker.getTypeAtLocation(node), node, why);
  }

  /**
   * A type as AssemblyScript source that names it in this file: i32 and
   * the other numeric types from their (branded) aliases, bool, string,
   * classes by name with their type arguments, imported under an alias of
   * ours when the file does not see them by that name. `number` (a numeric
   * type TypeScript could not pin down) and anything else it cannot name
   * is an error that says `why`.
   */
  typeOfType(t: ts.Type, at: ts.Node, why = "the transform cannot name the type of this value"): string {
    const fail = (): never => { throw this.error(at, `${why} (TypeScript sees \`${this.checker.typeToString(t)}\`)`); };
    const name = (x: ts.Type): string => {
      if (x.aliasSymbol && NUMERIC_NAMES.has(x.aliasSymbol.name)) return x.aliasSymbol.name;
      if (x.flags & ts.TypeFlags.BooleanLike) return "bool";
      if (x.flags & ts.TypeFlags.StringLike) return "string";
      if (x.flags & ts.TypeFlags.Void) return "void";
      if (x.flags & ts.TypeFlags.Null) return "null";
      // An enum (TypeScript sees the union of its members) is an i32 in AssemblyScript: its name or i32 are one type there.
      if (x.flags & ts.TypeFlags.EnumLike || (x.isUnion() && x.types.every((u) => u.flags & ts.TypeFlags.EnumLiteral))) return "i32";
      if (x.isUnion()) {
        let parts = x.types.filter((u) => !(u.flags & ts.TypeFlags.Null));
        // `c ? v : -1` with v: i32 is i32 | -1: the literal takes the named type
        const named = parts.filter((u) => u.aliasSymbol && NUMERIC_NAMES.has(u.aliasSymbol.name));
        if (named.length === 1 && parts.every((u) => u === named[0] || u.flags & ts.TypeFlags.NumberLiteral)) parts = named;
        const hasNull = parts.length < x.types.length;
        // bool is boolean | number in AssemblyScript's declarations; true | false is boolean
        if (parts.every((u) => u.flags & ts.TypeFlags.BooleanLike)) return hasNull ? "bool | null" : "bool";
        // ... and `bool` itself, as a type argument (Promise<bool>), is that union
        if (parts.some((u) => u.flags & ts.TypeFlags.BooleanLike) && parts.every((u) => u.flags & (ts.TypeFlags.BooleanLike | ts.TypeFlags.Number)))
          return hasNull ? "bool | null" : "bool";
        if (parts.length !== 1) return fail();
        return hasNull ? `${name(parts[0])} | null` : name(parts[0]);
      }
      if (x.flags & ts.TypeFlags.TypeParameter) return x.symbol.name;
      const sym = x.getSymbol();
      if (!sym || !(x.flags & ts.TypeFlags.Object) || !(sym.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface))) return fail();
      if (sym.name === "TypedArray") {
        // AssemblyScript declares subarray() and slice() on the abstract TypedArray<T>, which
        // cannot be named in a field; a concrete array's give its own class: the receiver's type.
        const call = callOf(at);
        if (call && ts.isPropertyAccessExpression(call.expression)) return this.typeOf(call.expression.expression, why);
        return fail();
      }
      if (sym.name === "Promise") {               // an async function's future, as the build makes it
        const pa = this.checker.getTypeArguments(x as ts.TypeReference);
        this.needsImports = true;
        return !pa.length || pa[0].flags & ts.TypeFlags.Void ? "__AsyncFn" : `__AsyncFuture<${name(pa[0])}>`;
      }
      const args = (x as ts.TypeReference).target ? this.checker.getTypeArguments(x as ts.TypeReference) : [];
      // A class's own type arguments include `this`: keep the declared ones.
      const declared = ((x as ts.TypeReference).target as ts.InterfaceType | undefined)?.typeParameters?.length ?? 0;
      const targs = args.slice(0, declared).map(name);
      return `${this.nameInScope(sym, at)}${targs.length ? `<${targs.join(", ")}>` : ""}`;
    };
    return name(t);
  }

  nameInScope(sym: ts.Symbol, at: ts.Node): string {
    const visible = this.checker.getSymbolsInScope(at, ts.SymbolFlags.Type).find((s) => s.name === sym.name);
    const resolved = visible && visible.flags & ts.SymbolFlags.Alias ? this.checker.getAliasedSymbol(visible) : visible;
    if (resolved === sym) return sym.name;
    const decl = sym.declarations?.[0];
    if (!decl) return sym.name;
    const file = decl.getSourceFile().fileName;
    if (decl.getSourceFile().isDeclarationFile) return sym.name;    // AssemblyScript's own (StaticArray, Array...)
    const alias = `__${sym.name}`;
    this.imports.set(alias, { symbol: sym.name, from: file });
    this.needsImports = true;
    return alias;
  }

  // ---- statements -----------------------------------------------------------
  givesItself(e: ts.Expression, awaitNode: ts.AwaitExpression): boolean {
    const ft = this.checker.getTypeAtLocation(e);
    const out = ft.getProperty("output");
    if (!out) return false;
    const ot = this.checker.getTypeOfSymbolAtLocation(out, awaitNode);
    return ot === ft || (ot.getSymbol() !== undefined && ot.getSymbol() === ft.getSymbol());
  }

  /** The type to cast __cur to for its output, and a check that `e` is a Future at all. */
  futureType(e: ts.Expression, named: boolean): { cast: string } {
    const t = this.checker.getTypeAtLocation(e);
    // An async function's own future: the checker sees Promise<R>.
    const sym = t.getSymbol() ?? t.aliasSymbol;
    if (sym && sym.getName() === "Promise") {
      const args = this.checker.getTypeArguments(t as ts.TypeReference);
      if (!args.length || args[0].flags & ts.TypeFlags.Void) return { cast: "__AsyncFn" };
      return { cast: `__AsyncFuture<${this.typeOfType(args[0], e, "the result of this async function must have a type the transform can name")}>` };
    }
    if (t.flags & ts.TypeFlags.Union && (t as ts.UnionType).types.some((x) => x.flags & ts.TypeFlags.Null))
      throw this.error(e, "this may be null: `await` needs a future (write `await x!` if you know it is not null)");
    if (!this.isFuture(t)) throw this.error(e, `\`await\` needs a Future (or the result of an async function); this is a \`${this.checker.typeToString(t)}\``);
    return { cast: named ? this.typeOf(e, "the transform must name this future's type") : "" };
  }

  isFuture(t: ts.Type): boolean {
    const seen = new Set<ts.Type>();
    const walk = (x: ts.Type): boolean => {
      if (seen.has(x)) return false;
      seen.add(x);
      const s = x.getSymbol();
      if (s && s.getName() === "Future" && s.declarations?.some((d) => d.getSourceFile().fileName.endsWith("kernel/exec/future.ts"))) return true;
      if (s && s.getName() === "Promise") return true;
      const target = (x as ts.TypeReference).target ?? x;
      if (target.isClassOrInterface()) for (const b of this.checker.getBaseTypes(target)) if (walk(b)) return true;
      return false;
    };
    return walk(t);
  }

  /** What `await node` gives, as source text. */
  awaitedType(node: ts.AwaitExpression): string { return this.awaited(node).type; }

  /**
   * What `await node` gives: the future's `output`, and whether that is
   * itself an async function's future whose output is taken in turn (as
   * `await` flattens a promise that gives a promise: `await spawnJoin(f())`
   * gives what f returned).
   */
  awaited(node: ts.AwaitExpression): { type: string; flat: boolean } {
    const ft = this.checker.getTypeAtLocation(node.expression);
    const promised = (t: ts.Type): ts.Type | null | undefined => {
      const sym = t.getSymbol();
      if (!sym || sym.getName() !== "Promise") return undefined;            // not an async function's future
      const args = this.checker.getTypeArguments(t as ts.TypeReference);
      return !args.length || args[0].flags & ts.TypeFlags.Void ? null : args[0];
    };
    const direct = promised(ft);
    if (direct === null) return { type: "void", flat: false };
    if (direct) return { type: this.typeOfType(direct, node), flat: false };
    const out = ft.getProperty("output");
    if (!out) return { type: "void", flat: false };
    const ot = this.checker.getTypeOfSymbolAtLocation(out, node);
    const inner = promised(ot);
    if (inner === null) return { type: "void", flat: true };
    if (inner) return { type: this.typeOfType(inner, node), flat: true };
    return { type: this.typeOfType(ot, node), flat: false };
  }

  // ---- expressions ----------------------------------------------------------
  /** The text of `e` with awaits done before it (in new blocks) and names of fields rewritten. */
}

/** The call a value comes from: `node` itself, a variable's initializer, or what a name was declared with. */
function callOf(node: ts.Node): ts.CallExpression | null {
  let n: ts.Node | undefined = node;
  if (n && ts.isIdentifier(n) && n.parent && ts.isVariableDeclaration(n.parent)) n = n.parent;
  if (n && ts.isVariableDeclaration(n)) n = n.initializer;
  while (n && (ts.isParenthesizedExpression(n) || ts.isNonNullExpression(n))) n = n.expression;
  return n && ts.isCallExpression(n) ? n : null;
}
