// Liveness: what cannot be lowered at all, which locals live across an await (and become fields), and which of them own what they hold (released on cancel).
// A layer of the async transform (lower/base.ts lists them).
import ts = require("typescript");
import { Owned, Label } from "./machine.js";
import { hasAsync, containsAwait, containsAwaitShallow, stripParens, isLoop, isAssignment, scopeOf, ownsResult, literalType } from "./syntax.js";
import { LowerTypes } from "./types.js";

export abstract class LowerLiveness extends LowerTypes {
  checkBody(body: ts.Node): void {
    const visit = (n: ts.Node): void => {
      if (ts.isTryStatement(n)) throw this.error(n, "`try` is not supported: AssemblyScript has no exceptions");
      if (ts.isLabeledStatement(n)) throw this.error(n, "labels are not supported by AssemblyScript");
      if ((ts.isArrowFunction(n) || ts.isFunctionExpression(n) || ts.isFunctionDeclaration(n))) {
        if (hasAsync(n)) throw this.error(n, "an async arrow function or function expression cannot be lowered (AssemblyScript has no closures): write an `async function` at the top level and call it");
        if (containsAwaitShallow(n)) throw this.error(n, "`await` inside a function nested in an async function: only the async function itself can await");
        return;   // a plain nested function: asc decides (it has no closures)
      }
      if (ts.isClassDeclaration(n) || ts.isClassExpression(n)) throw this.error(n, "a class declared inside an async function cannot be lowered: declare it at the top level");
      if (ts.isForOfStatement(n) && n.awaitModifier) throw this.error(n, "`for await` is not supported: await inside a plain `for...of` loop");
      if (ts.isForInStatement(n) && containsAwait(n)) throw this.error(n, "`for...in` is not supported by AssemblyScript");
      if (ts.isYieldExpression(n)) throw this.error(n, "generators are not supported");
      ts.forEachChild(n, visit);
    };
    visit(body);
  }

  // ---- which locals live across an await ------------------------------------
  liftLocals(body: ts.Block): void {
    const decls: ts.VariableDeclaration[] = [];
    const collect = (n: ts.Node): void => {
      if (ts.isFunctionLike(n) && n !== this.m.fn) return;
      if (ts.isVariableDeclaration(n)) decls.push(n);
      ts.forEachChild(n, collect);
    };
    collect(body);
    for (const d of decls) {
      if (!ts.isIdentifier(d.name)) throw this.error(d.name, "destructuring cannot be lowered here: declare each variable on its own");
      const scope = scopeOf(d);
      const sym = this.checker.getSymbolAtLocation(d.name);
      if (!sym || !this.livesAcrossAwait(sym, d, scope)) continue;
      const why = this.annotateAdvice(d);
      const init = d.initializer && stripParens(d.initializer);
      let type: string;
      if (d.type) type = this.subst(d.type);                                          // Promise<T> in it named as the build names it
      else if (init && literalType(init)) type = literalType(init)!;                     // as asc types `let i = 0`: i32
      else if (init && ts.isAwaitExpression(init)) type = this.awaitedType(init);     // what the future's output is, as the build sees it
      else if (ts.isForOfStatement(d.parent.parent) && d.parent.parent.initializer === d.parent) type = this.elementType(d.parent.parent.expression, why);
      else type = this.typeOf(d.name, why);
      const field = this.m.field(d.name.text, type);
      this.m.lifted.set(sym, field);
      if (this.ownsAll(sym, d, body)) this.m.owned.push({ field, sym, decl: d, scope });
    }
  }

  /**
   * Does the local `sym` own what it holds: is it set, at its declaration
   * and at every assignment, from something the function made and must
   * release if it is cancelled (the rule Rust applies when a future is
   * dropped)? That is: a guard or permit an await of a call gave
   * (`await m.lock()`), or a future made by a call or `new` (`n.notified()`,
   * `other()`, `spawnJoin(worker())`: a JoinHandle only when the task it
   * runs was made there too, not one the function was handed). A local
   * the function hands on (passes to a call or a `new`, stores elsewhere,
   * returns) is the receiver's to release: it owns nothing then.
   */
  ownsAll(sym: ts.Symbol, d: ts.VariableDeclaration, body: ts.Node): boolean {
    if (!d.initializer || !this.makesOwned(d.initializer)) return false;
    let all = true;
    const visit = (n: ts.Node): void => {
      if (!all) return;
      if (ts.isIdentifier(n) && n !== d.name && this.checker.getSymbolAtLocation(n) === sym) {
        let use: ts.Node = n;
        while (ts.isParenthesizedExpression(use.parent) || ts.isNonNullExpression(use.parent)) use = use.parent;
        const p = use.parent;
        const assigned = ts.isBinaryExpression(p) && isAssignment(p.operatorToken.kind) && p.left === use;
        if (assigned && (p.operatorToken.kind !== ts.SyntaxKind.EqualsToken || !this.makesOwned(p.right))) { all = false; return; }
        // Used in place: its fields and methods (`g.value`, `g.unlock()`),
        // awaited, compared, or disposed. Anything else (an argument, the
        // value of an assignment, a return) hands it on: then it is not
        // this function's to release (a Timeout owns the future it is given).
        const inPlace = assigned || (ts.isPropertyAccessExpression(p) && p.expression === use) || ts.isAwaitExpression(p) ||
          (ts.isBinaryExpression(p) && /^[!=]==?$/.test(p.operatorToken.getText(this.sf))) || ts.isPrefixUnaryExpression(p) ||
          (ts.isCallExpression(p) && p.arguments.includes(use as ts.Expression) && /^(dispose|disposeAll)$/.test(p.expression.getText(this.sf)));
        if (!inPlace) { all = false; return; }
      }
      ts.forEachChild(n, visit);
    };
    visit(body);
    return all;
  }

  /** Does `e` give something new that whoever keeps it owns (see ownsAll)? */
  makesOwned(e: ts.Expression): boolean {
    const x = stripParens(e);
    if (ts.isAwaitExpression(x)) return ownsResult(x.expression) && this.givesItself(x.expression, x);
    if (!ownsResult(x) || !this.isFuture(this.checker.getTypeAtLocation(x))) return false;
    const sym = this.checker.getTypeAtLocation(x).getSymbol();
    if (sym?.getName() === "JoinHandle") {
      const args = (x as ts.CallExpression | ts.NewExpression).arguments ?? [];
      return args.length > 0 && ownsResult(args[args.length - 1]);
    }
    return true;
  }

  /**
   * Is the owned local live while the function waits at `node`: declared
   * before it in a scope that holds it, and read at or after it (or, in a
   * loop that the declaration is outside of, anywhere in that loop)? A
   * local not read again was unlocked, disposed or handed on by then: not
   * the cancel's to release.
   */
  liveAt(o: Owned, node: ts.AwaitExpression): boolean {
    const at = node.getStart(this.sf);
    if (at < o.decl.end || node.end > o.scope.end || at < o.scope.getStart(this.sf)) return false;
    return this.refsTo(o.sym, o.decl, o.scope).some((r) => r.getStart(this.sf) >= at || this.laterTurn(r, node, o.decl, o.scope));
  }

  /** The references to the local `sym` in `scope`, its declaration's name aside (not in nested functions). */
  refsTo(sym: ts.Symbol, d: ts.VariableDeclaration, scope: ts.Node): ts.Node[] {
    const refs: ts.Node[] = [];
    const visit = (n: ts.Node): void => {
      if (ts.isFunctionLike(n)) return;
      if (ts.isIdentifier(n) && n !== d.name && this.checker.getSymbolAtLocation(n) === sym) refs.push(n);
      ts.forEachChild(n, visit);
    };
    visit(scope);
    return refs;
  }

  /** Can `r` run after the await `a` on a later turn of a loop (in `scope`) that holds both, with `d` outside its body? */
  laterTurn(r: ts.Node, a: ts.Node, d: ts.VariableDeclaration, scope: ts.Node): boolean {
    const inside = (n: ts.Node, outer: ts.Node): boolean => n.getStart(this.sf) >= outer.getStart(this.sf) && n.end <= outer.end;
    for (let l: ts.Node = a.parent; l && l !== scope.parent; l = l.parent) {
      if (isLoop(l) && inside(r, l) && !inside(d, (l as ts.IterationStatement).statement)) return true;
    }
    return false;
  }

  /** Records the await that waits at `label`: what the function owns while it waits there. */
  noteWait(node: ts.AwaitExpression, label: Label): void {
    const held = this.m.owned.filter((o) => this.liveAt(o, node)).map((o) => o.field);
    const text = node.getText(this.sf).replace(/\s+/g, " ");
    this.m.waits.push({ label, src: this.lineOf(node), what: text.length > 50 ? text.slice(0, 47) + "..." : text, held });
  }

  /**
   * Does the local `sym` (declared by `d` in `scope`) live across an await:
   * is it read in a block after the one it is set in? A reference comes
   * after a block boundary (an await, or a statement or a short-circuit
   * that holds one) that follows the declaration, or sits in a loop that
   * awaits and that the declaration is outside of (the next turn reads
   * it). A local only read before the first await stays a local.
   */
  livesAcrossAwait(sym: ts.Symbol, d: ts.VariableDeclaration, scope: ts.Node): boolean {
    const awaits: ts.Node[] = [], bounds: ts.Node[] = [];
    const visit = (n: ts.Node): void => {
      if (ts.isFunctionLike(n)) return;
      if (ts.isAwaitExpression(n)) { awaits.push(n); bounds.push(n); }
      else if ((ts.isStatement(n) || ts.isBinaryExpression(n) || ts.isConditionalExpression(n)) && n !== scope && containsAwait(n)) bounds.push(n);
      ts.forEachChild(n, visit);
    };
    visit(scope);
    const start = (n: ts.Node): number => n.getStart(this.sf);
    return this.refsTo(sym, d, scope).some((r) =>
      bounds.some((b) => start(b) >= d.end && start(b) <= start(r)) || awaits.some((a) => this.laterTurn(r, a, d, scope)));
  }

  /**
   * What to annotate a lifted local with when its type is not known: the
   * type of its initializer's first operand that has one (as asc types
   * `a + 1`: a's), else no guess.
   */
}
