// The file and each function: finds the async functions and methods, lowers each body into a machine, and writes the wrapper and the machine's class (the output).
// A layer of the async transform (lower/base.ts lists them).
import ts = require("typescript");
import { relative, dirname, resolve, sep } from "node:path";
import type { LowerResult } from "../lower.js";
import { Machine, Line } from "./machine.js";
import { hasAsync, futureOf, typeParams, VALUE_TYPES } from "./syntax.js";
import { LowerStatements } from "./statements.js";
import { Fatal } from "./base.js";

export class Lowerer extends LowerStatements {
  run(): LowerResult {
    // What TypeScript's parser already refuses (await outside async, ...), at the user's line.
    for (const d of (this.sf as unknown as { parseDiagnostics: ts.DiagnosticWithLocation[] }).parseDiagnostics ?? []) {
      const { line, character } = this.sf.getLineAndCharacterOfPosition(d.start);
      this.diagnostics.push({ file: this.sf.fileName, line: line + 1, col: character + 1, message: ts.flattenDiagnosticMessageText(d.messageText, " ") });
    }
    type Edit = { start: number; end: number; text: Line[] };
    const edits: Edit[] = [];
    // The machines' classes go after the source's last line, and each async
    // function or method keeps its lines (its one-line wrapper, then blank
    // lines): every line outside them is where it was in the source, so
    // asc's line and column of an abort or an error there is the user's.
    const tail: Line[] = [];
    const inPlace = (node: ts.Node, wrapper: Line[]): Line[] => {
      const span = this.lineOf(node.end) - this.lineOf(node) + 1;
      const one = wrapper.map((l) => l.text.trim()).join(" ");
      return [{ text: one, src: this.lineOf(node) }, ...Array.from({ length: span - 1 }, (_, i) => ({ text: "", src: this.lineOf(node) + i + 1 }))];
    };

    const visit = (node: ts.Node): void => {
      if (ts.isFunctionDeclaration(node) && hasAsync(node)) {
        try {
          const { wrapper, cls } = this.lowerFunction(node, null);
          edits.push({ start: node.getStart(this.sf), end: node.end, text: inPlace(node, wrapper) });
          tail.push({ text: "", src: this.lineOf(node) }, ...cls);
        } catch (e) { if (!(e instanceof Fatal)) throw e; }
        return;
      }
      if (ts.isClassDeclaration(node)) {
        for (const member of node.members) {
          if (ts.isMethodDeclaration(member) && hasAsync(member)) {
            try {
              const { wrapper, cls } = this.lowerMethod(member, node);
              edits.push({ start: member.getStart(this.sf), end: member.end, text: inPlace(member, wrapper) });
              tail.push({ text: "", src: this.lineOf(member) }, ...cls);
            } catch (e) { if (!(e instanceof Fatal)) throw e; }
          } else {
            visit(member);
          }
        }
        return;
      }
      if ((ts.isArrowFunction(node) || ts.isFunctionExpression(node)) && hasAsync(node)) {
        this.error(node, "an async arrow function or function expression cannot be lowered (AssemblyScript has no closures): write an `async function` at the top level, or an async method, and pass it what it needs");
        return;
      }
      if (ts.isAwaitExpression(node)) {
        this.error(node, "`await` outside an async function: mark the enclosing function `async` (and its result `Promise<T>`)");
        return;
      }
      if (ts.isForOfStatement(node) && node.awaitModifier) {
        this.error(node, "`for await` is not supported: await inside a plain `for...of` loop");
        return;
      }
      if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName) && node.typeName.text === "Promise") {
        const m = this.m;
        this.m = new Machine(undefined as never, "void", false);      // no lifted names out here
        const text = this.promiseRef(node)!;
        this.m = m;
        edits.push({ start: node.getStart(this.sf), end: node.end, text: [{ text, src: this.lineOf(node) }] });
        return;
      }
      ts.forEachChild(node, visit);
    };
    ts.forEachChild(this.sf, visit);

    if (edits.length === 0) return { text: this.text, changed: false, diagnostics: this.diagnostics, machines: [], lineMap: this.text.split("\n").map((_, i) => i + 1) };

    edits.sort((a, b) => a.start - b.start);
    const outLines: string[] = [];
    const map: number[] = [];
    let pos = 0;
    const pushText = (t: string, fromPos: number): void => {
      let line = this.sf.getLineAndCharacterOfPosition(fromPos).line + 1;
      const parts = t.split("\n");
      for (let i = 0; i < parts.length; i++) {
        if (i === 0 && outLines.length > 0) outLines[outLines.length - 1] += parts[0];
        else { outLines.push(parts[i]); map.push(line); }
        line++;
      }
    };
    // The imports go on the first line, before the source's own: no line moves.
    outLines.push(this.needsImports ? this.importLine() + " " : "");
    map.push(1);
    for (const e of edits) {
      pushText(this.text.slice(pos, e.start), pos);
      e.text.forEach((l, i) => {
        if (i === 0) { outLines[outLines.length - 1] += l.text; }
        else { outLines.push(l.text); map.push(l.src); }
      });
      pos = e.end;
    }
    pushText(this.text.slice(pos), pos);
    for (const l of tail) { outLines.push(l.text); map.push(l.src); }
    return { text: outLines.join("\n"), changed: true, diagnostics: this.diagnostics, machines: this.machines, lineMap: map };
  }

  importLine(): string {
    const rel = (abs: string): string => {
      let r = relative(dirname(resolve(this.sf.fileName)), abs).split(sep).join("/").replace(/\.ts$/, "");
      if (!r.startsWith(".")) r = "./" + r;
      return r;
    };
    const byFile = new Map<string, string[]>();
    for (const [alias, { symbol, from }] of this.imports) {
      const list = byFile.get(from) ?? [];
      list.push(`${symbol} as ${alias}`);
      byFile.set(from, list);
    }
    const types = [...byFile].map(([from, names]) => ` import { ${names.join(", ")} } from "${rel(from)}";`).join("");
    return `import { AsyncFn as __AsyncFn, AsyncFuture as __AsyncFuture, Context as __Context, noteAsync as __noteAsync, noteAsyncLine as __noteAsyncLine, releaseHeld as __releaseHeld } from "${rel(this.opts.execModule)}";${types}`;
  }

  // ---- one function --------------------------------------------------------
  resultType(fn: ts.FunctionDeclaration | ts.MethodDeclaration): string {
    const t = fn.type;
    const where = fn.name ?? fn;
    if (!t || !ts.isTypeReferenceNode(t) || t.typeName.getText(this.sf) !== "Promise" || t.typeArguments?.length !== 1)
      throw this.error(where, "an async function must declare its result as `Promise<T>` (`Promise<void>` if it returns nothing)");
    return t.typeArguments[0].getText(this.sf);
  }

  lowerFunction(fn: ts.FunctionDeclaration, _cls: null): { wrapper: Line[]; cls: Line[] } {
    if (!fn.name) throw this.error(fn, "an async function needs a name");
    if (!fn.body) throw this.error(fn, "an async function needs a body");
    const name = fn.name.text;
    const out = this.resultType(fn);
    const className = `${name}$Future`;
    const tp = typeParams(fn.typeParameters, this.sf);
    const m = new Machine(fn, out, false);
    this.m = m;
    m.display = `${name} (${relative(process.cwd(), resolve(this.sf.fileName))}:${this.lineOf(fn)})`;
    const params = this.params(fn);
    this.body(fn);
    const exported = fn.modifiers?.some((x) => x.kind === ts.SyntaxKind.ExportKeyword) ? "export " : "";
    const line = this.lineOf(fn);
    const wrapper: Line[] = [
      { text: `/** \`async function ${name}\`, lowered: a future whose poll() runs it (${className}, below the source). */`, src: line },
      { text: `${exported}function ${name}${tp.decl}(${params.sig}): ${futureOf(out)} { return new ${className}${tp.use}(${params.names}); }`, src: line },
    ];
    const lines: Line[] = [];
    lines.push({ text: `/** The state machine of \`${name}\` (${relative(process.cwd(), resolve(this.sf.fileName))}:${line}): \`__s\` is where it stopped, \`__cur\` what it awaits there. */`, src: line });
    this.classText(lines, className, tp.decl, out, params, null, line);
    this.record(name, className, line, m);
    return { wrapper, cls: lines };
  }

  lowerMethod(fn: ts.MethodDeclaration, cls: ts.ClassDeclaration): { wrapper: Line[]; cls: Line[] } {
    if (!cls.name) throw this.error(fn, "an async method needs a named class");
    if (!fn.body) throw this.error(fn, "an async method needs a body");
    if (!ts.isIdentifier(fn.name)) throw this.error(fn.name, "an async method needs a plain name");
    const isStatic = fn.modifiers?.some((x) => x.kind === ts.SyntaxKind.StaticKeyword) ?? false;
    const name = fn.name.text;
    const out = this.resultType(fn);
    const className = `${cls.name.text}$${name}$Future`;
    const ctp = typeParams(cls.typeParameters, this.sf);
    const mtp = typeParams(fn.typeParameters, this.sf);
    if (mtp.use) throw this.error(fn.name, "a generic async method cannot be lowered yet: make the class generic instead, or write an async function");
    const m = new Machine(fn, out, !isStatic);
    this.m = m;
    m.display = `${cls.name.text}.${name} (${relative(process.cwd(), resolve(this.sf.fileName))}:${this.lineOf(fn)})`;
    if (!isStatic) m.names.add("self");
    const params = this.params(fn);
    this.body(fn);
    const line = this.lineOf(fn);
    const mods = (fn.modifiers ?? []).filter((x) => x.kind !== ts.SyntaxKind.AsyncKeyword).map((x) => x.getText(this.sf) + " ").join("");
    const selfArg = isStatic ? "" : params.names ? "this, " : "this";
    const wrapper: Line[] = [
      { text: `/** async ${name}(), lowered: a future whose poll() runs it (${className}). */`, src: line },
      { text: `  ${mods}${name}(${params.sig}): ${futureOf(out)} { return new ${className}${ctp.use}(${selfArg}${params.names}); }`, src: line },
    ];
    const lines: Line[] = [];
    lines.push({ text: `/** The state machine of \`${cls.name.text}.${name}\` (${this.sf.fileName}:${line}). */`, src: line });
    this.classText(lines, className, ctp.decl, out, params, isStatic ? null : `${cls.name.text}${ctp.use}`, line);
    this.record(`${cls.name.text}.${name}`, className, line, m);
    return { wrapper, cls: lines };
  }

  record(name: string, className: string, line: number, m: Machine): void {
    this.machines.push({ name, className, file: this.sf.fileName, line, fields: m.fields.map((f) => ({ name: f.name, type: f.type })), states: m.blocks.length, output: m.outputType, self: m.isMethod });
  }

  params(fn: ts.FunctionDeclaration | ts.MethodDeclaration): { sig: string; names: string; ctorSig: string } {
    const sig: string[] = [], names: string[] = [], ctor: string[] = [];
    for (const p of fn.parameters) {
      if (!ts.isIdentifier(p.name)) throw this.error(p, "a destructured parameter cannot be lowered: take the object and read its fields");
      if (!p.type) throw this.error(p, `parameter \`${p.name.text}\` needs a type (it becomes a field of the async function's state)`);
      const type = p.type.getText(this.sf);
      sig.push(p.getText(this.sf).replace(/^(public|private|protected|readonly)\s+/, ""));
      const sym = this.checker.getSymbolAtLocation(p.name);
      const field = this.m.field(p.name.text, type);
      this.m.fields[this.m.fields.length - 1].param = true;
      if (sym) this.m.lifted.set(sym, field);
      names.push(p.name.text);
      ctor.push(`${p.name.text}: ${type}`);
    }
    return { sig: sig.join(", "), names: names.join(", "), ctorSig: ctor.join(", ") };
  }

  /** The machine's class (not exported: other files see it as AsyncFuture<R>). */
  classText(lines: Line[], className: string, tpDecl: string, out: string, params: { names: string; ctorSig: string },
    self: string | null, line: number): void {
    const m = this.m;
    this.needsImports = true;
    const L = (text: string, src = line): void => { lines.push({ text, src }); };
    const base = m.hasOutput ? `__AsyncFuture<${out}>` : "__AsyncFn";
    L(`class ${className}${tpDecl} extends ${base} {`);
    if (self) L(`  self: ${self};`);
    for (const f of m.fields) {
      if (f.init !== undefined) L(`  ${f.name}: ${f.type} = ${f.init};`);
      else if (f.param || VALUE_TYPES.has(f.type) || / \| null$/.test(f.type)) L(`  ${f.name}: ${f.type};`);
      else L(`  ${f.name}!: ${f.type};`);
    }
    const ctorArgs = [self ? `self: ${self}` : "", params.ctorSig].filter((x) => x).join(", ");
    const assigns = [self ? "this.self = self;" : "", ...params.names.split(", ").filter((x) => x).map((n) => `this.${m.lifted.get(this.paramSymbol(n))!} = ${n};`)].filter((x) => x).join(" ");
    L(`  constructor(${ctorArgs}) { super(); ${assigns} }`);
    L(`  protected pollOnce(cx: __Context): bool {`);
    L(`    while (true) {`);
    L(`      switch (this.__s) {`);
    m.blocks.forEach((b, i) => {
      L(`        case ${i}: {`, b[0]?.src ?? line);
      for (const l of b) for (const part of l.text.split("\n")) L(`          ${part}`, l.src);
      L(`        }`, b[b.length - 1]?.src ?? line);
    });
    L(`        default: unreachable();`);
    L(`      }`);
    L(`    }`);
    L(`  }`);
    this.releaseText(L);
    L(`}`);
  }

  /**
   * __release(disposing): what a cancel (or dispose, or reset) while the
   * function waits releases, per await: the owned locals live there. The
   * future it waits on is the base class's (__cur). Only for functions
   * that hold something across an await.
   */
  releaseText(L: (text: string, src?: number) => void): void {
    const m = this.m;
    const cases = m.waits.filter((w) => w.held.length > 0);
    if (!cases.length) return;
    this.needsImports = true;
    L(`  /** Cancelled or disposed while it waits (at \`__s\`): releases what it holds there (disposing: frees it too). */`);
    L(`  protected __release(disposing: bool): void {`);
    L(`    switch (this.__s) {`);
    for (const w of cases) {
      const state = m.resumeOf.get(m.labels[Number(w.label.slice(1, -1))])!;
      const body = w.held.map((f) => `this.${f} = __releaseHeld(this.${f}, disposing);`).join(" ");
      L(`      case ${state}: { ${body} break; }   // waiting at \`${w.what.replace(/`/g, "'")}\` (line ${w.src})`, w.src);
    }
    L(`    }`);
    L(`  }`);
  }

  paramSymbol(name: string): ts.Symbol {
    for (const p of this.m.fn.parameters) if (ts.isIdentifier(p.name) && p.name.text === name) return this.checker.getSymbolAtLocation(p.name)!;
    throw new Error(`no parameter ${name}`);
  }

  body(fn: ts.FunctionDeclaration | ts.MethodDeclaration): void {
    const m = this.m;
    this.checkBody(fn.body!);
    this.liftLocals(fn.body!);
    for (const s of fn.body!.statements) this.stmt(s);
    // Falling off the end: the function returns.
    if (!m.ended[m.cur]) m.emit("return true;", this.lineOf(fn.body!.end), true);
    m.finish();
  }

}
