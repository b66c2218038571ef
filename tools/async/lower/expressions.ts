// Expressions: an expression holding awaits cut into steps, and the text of one without (lifted names rewritten to fields).
// A layer of the async transform (lower/base.ts lists them).
import ts = require("typescript");
import { containsAwait, isLoop, isAssignment, isPure } from "./syntax.js";
import { LowerLiveness } from "./liveness.js";

export abstract class LowerExpressions extends LowerLiveness {
  expr(e: ts.Expression): string {
    if (!containsAwait(e)) return this.subst(e);
    const m = this.m;
    if (ts.isAwaitExpression(e)) {
      const type = this.awaitedType(e);
      if (type === "void") throw this.error(e, "this future gives no value (it has no `output`): await it as a statement");
      if (this.heldAndPure(e)) {                 // its output stays where it is: read it there
        this.futureType(e.expression, false);
        this.await(e, null);
        return `${this.subst(e.expression)}.output${this.awaited(e).flat ? ".output" : ""}`;
      }
      const t = m.field(`__t${m.temp++}`, type, undefined, true);
      this.await(e, `this.${t}`);
      return `this.${t}`;
    }
    if (ts.isParenthesizedExpression(e)) return `(${this.expr(e.expression)})`;
    if (ts.isBinaryExpression(e)) {
      const op = e.operatorToken.kind;
      const opText = e.operatorToken.getText(this.sf);
      if (op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.QuestionQuestionToken) {
        if (!containsAwait(e.right)) return `${this.expr(e.left)} ${opText} ${this.subst(e.right)}`;
        // Short-circuit: the right side (and its await) runs only when it must.
        const type = op === ts.SyntaxKind.QuestionQuestionToken ? this.contextualType(e) ?? this.typeOf(e, "the transform must name the type of this `??`: annotate the variable it goes in") : "bool";
        const t = m.field(`__t${m.temp++}`, type, undefined, true);
        this.emit(`this.${t} = ${this.expr(e.left)};`, e.left);
        const rightB = m.newBlock(), after = m.newBlock();
        const test = op === ts.SyntaxKind.AmpersandAmpersandToken ? `this.${t}` : op === ts.SyntaxKind.BarBarToken ? `!this.${t}` : `this.${t} === null`;
        this.emit(`this.__s = (${test}) ? ${rightB} : ${after}; continue;`, e, true);
        m.at(rightB);
        this.emit(`this.${t} = ${this.expr(e.right)};`, e.right);
        m.jump(after, this.lineOf(e));
        m.at(after);
        return `this.${t}`;
      }
      if (isAssignment(op)) {
        if (containsAwait(e.left)) throw this.error(e.left, "`await` on the left of an assignment: await into a local first");
        const right = this.expr(e.right);
        return `${this.subst(e.left)} ${opText} ${right}`;
      }
      const left = containsAwait(e.right) ? this.hoist(e.left) : this.expr(e.left);
      return `${left} ${opText} ${this.expr(e.right)}`;
    }
    if (ts.isConditionalExpression(e)) {
      const c = this.expr(e.condition);
      if (!containsAwait(e.whenTrue) && !containsAwait(e.whenFalse)) return `${c} ? ${this.subst(e.whenTrue)} : ${this.subst(e.whenFalse)}`;
      const t = m.field(`__t${m.temp++}`, this.contextualType(e) ?? this.typeOf(e, "the transform must name the type of this `?:`: annotate the variable it goes in"), undefined, true);
      const yes = m.newBlock(), no = m.newBlock(), after = m.newBlock();
      this.emit(`this.__s = (${c}) ? ${yes} : ${no}; continue;`, e, true);
      m.at(yes); this.emit(`this.${t} = ${this.expr(e.whenTrue)};`, e.whenTrue); m.jump(after, this.lineOf(e));
      m.at(no); this.emit(`this.${t} = ${this.expr(e.whenFalse)};`, e.whenFalse); m.jump(after, this.lineOf(e));
      m.at(after);
      return `this.${t}`;
    }
    if (ts.isCallExpression(e) || ts.isNewExpression(e)) {
      const args = e.arguments ? this.list(e.arguments) : null;
      const callee = containsAwait(e.expression) ? this.expr(e.expression) : this.subst(e.expression);
      const targs = e.typeArguments ? `<${e.typeArguments.map((x) => x.getText(this.sf)).join(", ")}>` : "";
      const argText = args === null ? "" : `(${args.join(", ")})`;
      return ts.isNewExpression(e) ? `new ${callee}${targs}${argText}` : `${callee}${targs}(${args!.join(", ")})`;
    }
    if (ts.isPropertyAccessExpression(e)) return `${this.expr(e.expression)}${e.questionDotToken ? "?." : "."}${e.name.getText(this.sf)}`;
    if (ts.isElementAccessExpression(e)) {
      const obj = containsAwait(e.argumentExpression) ? this.hoist(e.expression) : this.expr(e.expression);
      return `${obj}[${this.expr(e.argumentExpression)}]`;
    }
    if (ts.isTemplateExpression(e)) {
      const spans = this.list(e.templateSpans.map((s) => s.expression));
      let out = e.head.getText(this.sf);
      e.templateSpans.forEach((s, i) => { out += spans[i] + s.literal.getText(this.sf); });
      // head ends with "${", each literal starts with "}": the pieces are the source's
      return out;
    }
    if (ts.isPrefixUnaryExpression(e)) {
      if (e.operator === ts.SyntaxKind.PlusPlusToken || e.operator === ts.SyntaxKind.MinusMinusToken) throw this.error(e, "`++`/`--` of an await: await into a local first");
      return `${ts.tokenToString(e.operator)}${this.expr(e.operand)}`;
    }
    if (ts.isAsExpression(e)) return `${this.expr(e.expression)} as ${e.type.getText(this.sf)}`;
    if (ts.isTypeAssertionExpression(e)) return `<${e.type.getText(this.sf)}>${this.expr(e.expression)}`;
    if (ts.isNonNullExpression(e)) return `${this.expr(e.expression)}!`;
    if (ts.isArrayLiteralExpression(e)) return `[${this.list(e.elements).join(", ")}]`;
    throw this.error(e, `\`await\` inside this kind of expression (${ts.SyntaxKind[e.kind]}) cannot be lowered yet: await into a local first`);
  }

  /** Several operands in order: the ones before an await that could change (calls, assignments) are evaluated first, into fields. */
  list(items: readonly ts.Expression[]): string[] {
    const lastAwait = items.map((x) => containsAwait(x)).lastIndexOf(true);
    return items.map((x, i) => (i < lastAwait && !containsAwait(x) ? this.hoist(x) : this.expr(x)));
  }

  /** `e` evaluated now, into a field, when it could give another value after an await; else its text. */
  hoist(e: ts.Expression): string {
    if (isPure(e)) return this.expr(e);
    const m = this.m;
    const t = m.field(`__t${m.temp++}`, this.typeOf(e, "this is evaluated before a later await and kept meanwhile, so its type must be known: assign it to an annotated local first"), undefined, true);
    this.emit(`this.${t} = ${this.expr(e)};`, e);
    return `this.${t}`;
  }

  /**
   * The source text of `node` with the names of lifted variables made
   * fields, `this` made `this.self` (in methods), `return` made the end of
   * the machine, and break/continue of lowered loops made jumps.
   */
  subst(node: ts.Node): string {
    const rewrite = (n: ts.Node, loopDepth: number, switchDepth: number): string => {
      const r = this.replacement(n, loopDepth, switchDepth);
      if (r !== undefined) return r;
      const inLoop = isLoop(n) ? loopDepth + 1 : loopDepth;
      const inSwitch = ts.isSwitchStatement(n) ? switchDepth + 1 : switchDepth;
      if (ts.isFunctionLike(n)) return n.getText(this.sf);
      let out = "";
      let pos = n.getStart(this.sf);
      n.forEachChild((c) => {
        const cs = c.getStart(this.sf);
        out += this.text.slice(pos, cs);
        out += rewrite(c, inLoop, inSwitch);
        pos = c.end;
        return undefined;
      });
      out += this.text.slice(pos, n.end);
      return out;
    };
    return rewrite(node, 0, 0);
  }

  replacement(n: ts.Node, loopDepth: number, switchDepth: number): string | undefined {
    const m = this.m;
    if (ts.isIdentifier(n)) {
      const parent = n.parent;
      if (ts.isPropertyAccessExpression(parent) && parent.name === n) return undefined;
      if ((ts.isPropertyAssignment(parent) || ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent)) && parent.name === n) return undefined;
      const sym = this.checker.getSymbolAtLocation(n);
      const f = sym && m.lifted.get(sym);
      if (f) {
        if (ts.isShorthandPropertyAssignment(parent)) return `${n.text}: this.${f}`;
        return `this.${f}`;
      }
      return undefined;
    }
    if (n.kind === ts.SyntaxKind.ThisKeyword && m.isMethod) return "this.self";
    if (ts.isTypeReferenceNode(n)) return this.promiseRef(n);
    if (ts.isVariableStatement(n)) {
      const lifted = n.declarationList.declarations.filter((d) => { const s = this.checker.getSymbolAtLocation(d.name); return s && m.lifted.has(s); });
      if (!lifted.length) return undefined;
      return n.declarationList.declarations.map((d) => this.declText(d, n.declarationList)).filter((x) => x).join(" ");
    }
    if (ts.isVariableDeclarationList(n) && ts.isForStatement(n.parent) && n.parent.initializer === n) {
      const ds = n.declarations;
      const anyLifted = ds.some((d) => { const s = this.checker.getSymbolAtLocation(d.name); return s && m.lifted.has(s); });
      if (!anyLifted) return undefined;
      return ds.map((d) => { const s = this.checker.getSymbolAtLocation(d.name)!; return `this.${m.lifted.get(s)} = ${d.initializer ? this.subst(d.initializer) : "0"}`; }).join(", ");
    }
    if (ts.isReturnStatement(n)) {
      if (!n.expression) return "return true;";
      return m.hasOutput ? `{ this.output = ${this.subst(n.expression)}; return true; }` : `{ ${this.subst(n.expression)}; return true; }`;
    }
    if (ts.isBreakStatement(n) && loopDepth === 0 && switchDepth === 0) {
      const t = this.jumpTarget(n);
      if (t) return `{ this.__s = ${t.brk}; continue; }`;
    }
    if (ts.isContinueStatement(n) && loopDepth === 0) {
      const t = this.jumpTarget(n);
      if (t) return `{ this.__s = ${t.cont}; continue; }`;
    }
    return undefined;
  }

  /** `Promise<T>` written in a type: what the build calls it (__AsyncFuture<T>, __AsyncFn). */
  promiseRef(n: ts.TypeReferenceNode): string | undefined {
    if (!ts.isIdentifier(n.typeName) || n.typeName.text !== "Promise") return undefined;
    this.needsImports = true;
    const arg = n.typeArguments?.[0];
    if (!arg || arg.kind === ts.SyntaxKind.VoidKeyword) return "__AsyncFn";
    return `__AsyncFuture<${this.subst(arg)}>`;
  }

  declText(d: ts.VariableDeclaration, list: ts.VariableDeclarationList): string {
    const s = this.checker.getSymbolAtLocation(d.name);
    const f = s && this.m.lifted.get(s);
    if (f) return d.initializer ? `this.${f} = ${this.subst(d.initializer)};` : "";
    const kw = list.flags & ts.NodeFlags.Const ? "const" : "let";
    return `${kw} ${this.subst(d)};`;
  }

  /** The lowered loop or switch a break/continue leaves, if it is one. */
}
