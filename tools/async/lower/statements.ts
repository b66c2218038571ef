// Statements: each statement into the machine's blocks (if, loops, switch, try, return), and each await into its poll.
// A layer of the async transform (lower/base.ts lists them).
import ts = require("typescript");
import { JumpTargets } from "./machine.js";
import { containsAwait, stripParens, isLoop, ownsResult, isPure } from "./syntax.js";
import { LowerExpressions } from "./expressions.js";

export abstract class LowerStatements extends LowerExpressions {
  stmt(s: ts.Statement): void {
    const m = this.m;
    if (!containsAwait(s)) {
      const text = this.subst(s);
      const ends = ts.isReturnStatement(s) || ((ts.isBreakStatement(s) || ts.isContinueStatement(s)) && this.jumpTarget(s) !== undefined);
      if (text.trim()) m.emit(text, this.lineOf(s), ends);
      return;
    }
    if (ts.isBlock(s)) { for (const x of s.statements) this.stmt(x); return; }
    if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) this.declaration(d, s.declarationList);
      return;
    }
    if (ts.isExpressionStatement(s)) {
      const e = stripParens(s.expression);
      if (ts.isAwaitExpression(e)) { this.await(e, null); return; }
      const t = this.expr(s.expression);
      this.emit(`${t};`, s);
      return;
    }
    if (ts.isReturnStatement(s)) {
      const e = s.expression!;
      const inner = stripParens(e);
      if (ts.isAwaitExpression(inner) && m.hasOutput) this.await(inner, "this.output");
      else if (m.hasOutput) this.emit(`this.output = ${this.expr(e)};`, s);
      else this.emit(`${this.expr(e)};`, s);
      m.emit("return true;", this.lineOf(s), true);
      return;
    }
    if (ts.isIfStatement(s)) {
      const c = this.expr(s.expression);
      if (!containsAwait(s.thenStatement) && (!s.elseStatement || !containsAwait(s.elseStatement))) {
        this.emit(`if (${c}) ${this.subst(s.thenStatement)}${s.elseStatement ? ` else ${this.subst(s.elseStatement)}` : ""}`, s);
        return;
      }
      const thenB = m.newBlock();
      const elseB = s.elseStatement ? m.newBlock() : null;
      const after = m.newBlock();
      this.emit(`this.__s = (${c}) ? ${thenB} : ${elseB ?? after}; continue;`, s, true);
      m.at(thenB);
      this.stmt(s.thenStatement);
      m.jump(after, this.lineOf(s.thenStatement.end));
      if (s.elseStatement) {
        m.at(elseB!);
        this.stmt(s.elseStatement);
        m.jump(after, this.lineOf(s.elseStatement.end));
      }
      m.at(after);
      return;
    }
    if (ts.isWhileStatement(s)) {
      const head = m.newBlock(), exit = m.newBlock();
      m.jump(head, this.lineOf(s));
      m.at(head);
      if (s.expression.kind !== ts.SyntaxKind.TrueKeyword) this.emit(`if (!(${this.expr(s.expression)})) { this.__s = ${exit}; continue; }`, s);
      m.targets.set(s, { brk: exit, cont: head });
      this.stmt(s.statement);
      m.jump(head, this.lineOf(s.end));
      m.at(exit);
      return;
    }
    if (ts.isDoStatement(s)) {
      const body = m.newBlock(), cond = m.newBlock(), exit = m.newBlock();
      m.jump(body, this.lineOf(s));
      m.at(body);
      m.targets.set(s, { brk: exit, cont: cond });
      this.stmt(s.statement);
      m.jump(cond, this.lineOf(s.expression));
      m.at(cond);
      const c = this.expr(s.expression);
      this.emit(`this.__s = (${c}) ? ${body} : ${exit}; continue;`, s.expression, true);
      m.at(exit);
      return;
    }
    if (ts.isForStatement(s)) {
      if (s.initializer) {
        if (ts.isVariableDeclarationList(s.initializer)) for (const d of s.initializer.declarations) this.declaration(d, s.initializer);
        else this.emit(`${this.expr(s.initializer)};`, s.initializer);
      }
      const head = m.newBlock(), inc = m.newBlock(), exit = m.newBlock();
      m.jump(head, this.lineOf(s));
      m.at(head);
      if (s.condition) this.emit(`if (!(${this.expr(s.condition)})) { this.__s = ${exit}; continue; }`, s.condition);
      m.targets.set(s, { brk: exit, cont: inc });
      this.stmt(s.statement);
      m.jump(inc, this.lineOf(s.statement.end));
      m.at(inc);
      if (s.incrementor) this.emit(`${this.expr(s.incrementor)};`, s.incrementor);
      m.jump(head, this.lineOf(s.end));
      m.at(exit);
      return;
    }
    if (ts.isForOfStatement(s)) {
      if (!ts.isVariableDeclarationList(s.initializer) || s.initializer.declarations.length !== 1)
        throw this.error(s.initializer, "`for...of` needs one `const x` (or `let x`) of its own");
      const d = s.initializer.declarations[0];
      const arrType = this.typeOf(s.expression, "the array a `for...of` walks must have a type the transform can name");
      const arr = m.field(`__of${m.temp}`, arrType, undefined, true);
      const idx = m.field(`__i${m.temp++}`, "i32", "0", true);
      this.emit(`this.${arr} = ${this.expr(s.expression)}; this.${idx} = 0;`, s.expression);
      const head = m.newBlock(), inc = m.newBlock(), exit = m.newBlock();
      m.jump(head, this.lineOf(s));
      m.at(head);
      this.emit(`if (this.${idx} >= this.${arr}.length) { this.__s = ${exit}; continue; }`, s);
      const sym = this.checker.getSymbolAtLocation(d.name);
      const target = sym && m.lifted.get(sym);
      this.emit(target ? `this.${target} = this.${arr}[this.${idx}];` : `const ${d.name.getText(this.sf)} = this.${arr}[this.${idx}];`, d);
      m.targets.set(s, { brk: exit, cont: inc });
      this.stmt(s.statement);
      m.jump(inc, this.lineOf(s.statement.end));
      m.at(inc);
      this.emit(`this.${idx}++;`, s);
      m.jump(head, this.lineOf(s.end));
      m.at(exit);
      return;
    }
    if (ts.isSwitchStatement(s)) {
      const type = this.typeOf(s.expression, "the value a `switch` that awaits compares must have a type the transform can name");
      const v = m.field(`__sw${m.temp++}`, type, undefined, true);
      this.emit(`this.${v} = ${this.expr(s.expression)};`, s.expression);
      const clauses = s.caseBlock.clauses.map(() => m.newBlock());
      const exit = m.newBlock();
      let def = exit;
      s.caseBlock.clauses.forEach((c, i) => {
        if (ts.isCaseClause(c)) {
          if (containsAwait(c.expression)) throw this.error(c.expression, "`await` in a `case` label: compute the value before the switch");
          this.emit(`if (this.${v} == (${this.subst(c.expression)})) { this.__s = ${clauses[i]}; continue; }`, c);
        } else def = clauses[i];
      });
      this.emit(`this.__s = ${def}; continue;`, s, true);
      m.targets.set(s, { brk: exit, cont: "" });
      s.caseBlock.clauses.forEach((c, i) => {
        m.at(clauses[i]);
        for (const x of c.statements) this.stmt(x);
        m.jump(i + 1 < clauses.length ? clauses[i + 1] : exit, this.lineOf(c.end));
      });
      m.at(exit);
      return;
    }
    throw this.error(s, `\`await\` inside this kind of statement (${ts.SyntaxKind[s.kind]}) cannot be lowered yet: await into a local first`);
  }

  declaration(d: ts.VariableDeclaration, list: ts.VariableDeclarationList): void {
    const m = this.m;
    const name = d.name as ts.Identifier;
    const sym = this.checker.getSymbolAtLocation(name);
    const field = sym && m.lifted.get(sym);
    const kw = list.flags & ts.NodeFlags.Const ? "const" : "let";
    if (!d.initializer) {
      if (!field) this.emit(`${kw} ${d.getText(this.sf)};`, d);
      return;
    }
    const init = stripParens(d.initializer);
    if (ts.isAwaitExpression(init)) {
      if (field) this.await(init, `this.${field}`);
      else this.await(init, `${kw} ${name.text}${d.type ? `: ${d.type.getText(this.sf)}` : ""}`);
      return;
    }
    const v = this.expr(d.initializer);
    if (field) this.emit(`this.${field} = ${v};`, d);
    else this.emit(`${kw} ${name.text}${d.type ? `: ${d.type.getText(this.sf)}` : ""} = ${v};`, d);
  }

  /**
   * `await e`: the future goes in __cur, then a new block polls it. `into`:
   * what receives the value ("this.x", "const x", or null when unused).
   * Returns nothing; the value is in `into` once the block goes on.
   */
  await(node: ts.AwaitExpression, into: string | null): void {
    const m = this.m;
    const e = node.expression;
    const futureType = this.futureType(e, into !== null);
    const valueType = into !== null ? this.awaitedType(node) : "void";
    if (into !== null && valueType === "void") throw this.error(node, `this future gives no value (it has no \`output\`): await it as a statement`);
    // Owned from the start when the await made it: cancelled before it is
    // ready, a guard it would have given is freed with the rest (__done);
    // once ready, a future that gives itself (a guard) passes to `into`.
    const own = ownsResult(e);
    const passesOn = own && this.givesItself(e, node);
    if (this.heldAndPure(node)) {
      // A future the code holds, named by an expression that gives it again
      // (`this.tick`, `parts[i]`): polled in place, and put in __cur only
      // when the function waits on it (for cancel(), which looks at __cur
      // only while the function is pending). A ready one costs a poll.
      const held = this.subst(e);
      const resume = m.newBlock();
      m.jump(resume, this.lineOf(node));
      m.at(resume);
      this.emit(`if (!${held}.poll(cx)) { this.__cur = ${held}; this.__own = false; this.__s = ${resume}; return false; }`, node);
      this.noteWait(node, resume);
      this.markRunsOthers(e);
      if (into !== null) this.emit(`${into} = ${held}.output${this.awaited(node).flat ? ".output" : ""};`, node);
      return;
    }
    const f = this.expr(e);
    this.emit(`this.__cur = ${f}; this.__own = ${own};`, node);
    const next = m.newBlock();
    m.jump(next, this.lineOf(node));
    m.at(next);
    this.emit(`if (!this.__cur!.poll(cx)) { this.__s = ${next}; return false; }`, node);
    this.noteWait(node, next);
    this.markRunsOthers(e);
    if (into !== null) this.emit(`${into} = changetype<${futureType.cast}>(this.__cur).output${this.awaited(node).flat ? ".output" : ""};`, node);
    // Done with it: an owned future is disposed (__done), a borrowed one only let go.
    this.emit(own && !passesOn ? `this.__done();` : `this.__cur = null;`, node);
  }

  /**
   * Marks the poll just emitted if polling `e` may run another async
   * function on this core (it is one, or a combinator, or a future of the
   * user's): the panic location must then be noted again after it. The
   * library's leaf futures never do.
   */
  markRunsOthers(e: ts.Expression): void {
    const sym = this.checker.getTypeAtLocation(e).getSymbol();
    // A future whose class says `@leaf` in its doc comment (the library's waits: Sleep, ChannelRecv, ...)
    // runs no other future's code when polled: the panic location stays this function's.
    const leaf = sym?.declarations?.some((d) => ts.getJSDocTags(d).some((t) => t.tagName.text === "leaf")) ?? false;
    const b = this.m.blocks[this.m.cur];
    b[b.length - 1].runsOthers = !leaf;
  }

  /** An await of a future the code holds (not made by the await) through a pure expression. */
  heldAndPure(node: ts.AwaitExpression): boolean {
    const e = node.expression;
    return !ownsResult(e) && !containsAwait(e) && isPure(e);
  }

  /** Is `e` (a future) given back by its own await (a MutexGuard): then the await must not dispose it. */
  jumpTarget(n: ts.BreakStatement | ts.ContinueStatement): JumpTargets | undefined {
    let p: ts.Node = n.parent;
    while (p && !ts.isFunctionLike(p)) {
      if (isLoop(p) || (ts.isBreakStatement(n) && ts.isSwitchStatement(p))) return this.m.targets.get(p);
      p = p.parent;
    }
    return undefined;
  }
}
