// The async transform: lowers each `async function` and `async` method of a
// source file into a state machine, a class that extends AsyncFuture<R>
// (assembly/kernel/exec/async.ts) whose pollOnce(cx) resumes where the
// function stopped. docs/async.md walks an example.
//
// What a function becomes:
//   - its parameters, and every local whose scope holds an `await` after its
//     declaration (or that is declared in a loop that awaits), become fields;
//     the other locals stay locals of pollOnce;
//   - the body is cut into numbered blocks at each `await` and at each
//     statement that holds one (if, while, do, for, for...of, switch): block
//     N is `case N` of a switch in a loop, `this.__s` says which runs next;
//   - `await e`: the future e makes goes in `this.__cur` and is polled; if it
//     is pending, pollOnce returns false (its waker is registered); when it
//     is ready its `output` is what the await gives, and the future is
//     disposed if the await made it (a call or `new`);
//   - `return v` stores `v` in `output` and ends the machine (pollOnce
//     returns true; the Future base class keeps it Ready).
// Statements without an await are copied as they are (with names of lifted
// variables rewritten to fields), so the generated code reads like the
// source.
import ts from "typescript";
import { relative, dirname, resolve, sep } from "node:path";

export interface Diagnostic { file: string; line: number; col: number; message: string }

/** A state machine made from one async function: for `make`'s size report. */
export interface MachineInfo {
  name: string;            // the user's name: f, or C.m
  className: string;       // the generated class
  file: string;
  line: number;
  fields: { name: string; type: string }[];
  states: number;
  output: string;          // what it returns ("void": AsyncFn)
  self: boolean;           // a method's `self` field
}

export interface LowerResult {
  text: string;
  changed: boolean;
  diagnostics: Diagnostic[];
  machines: MachineInfo[];
  /** For each line of `text` (0-based), the line of the source it came from (1-based). */
  lineMap: number[];
}

/** Where the exec module is (absolute), to import the machines' base classes from. */
export interface LowerOptions { execModule: string }

const RESERVED = new Set([
  "state", "isPending", "isReady", "isCancelled", "poll", "pollOnce", "cancel", "withdraw", "reset", "rearm",
  "dispose", "kind", "output", "self", "constructor", "_state",
]);
/** The library's futures whose poll never runs code of another future (so an await of one keeps the panic location). */
const LEAF_FUTURES = new Set(["ChannelRecv", "ChannelSend", "Sleep", "Interval", "Notified", "Acquire", "Permit", "MutexGuard", "OneShotRecv",
  "JoinHandle", "YieldNow", "UartRead", "UartWrite", "ReadLine", "EdgeWait", "LevelWait", "Alarm"]);
const NUMERIC_NAMES = new Set(["i8", "i16", "i32", "i64", "isize", "u8", "u16", "u32", "u64", "usize", "f32", "f64"]);
const VALUE_TYPES = new Set(["i8", "i16", "i32", "i64", "isize", "u8", "u16", "u32", "u64", "usize", "f32", "f64", "bool", "v128"]);

/** Does `text` hold an `async`, `await` or `Promise` token (not in a comment or a string)? A cheap test before type-checking. */
export function mayNeedLowering(text: string): boolean {
  if (!/\basync\b|\bawait\b|\bPromise\b/.test(text)) return false;
  const scanner = ts.createScanner(ts.ScriptTarget.ESNext, true, ts.LanguageVariant.Standard, text);
  for (let t = scanner.scan(); t !== ts.SyntaxKind.EndOfFileToken; t = scanner.scan()) {
    if (t === ts.SyntaxKind.AsyncKeyword || t === ts.SyntaxKind.AwaitKeyword) return true;
    if (t === ts.SyntaxKind.Identifier && scanner.getTokenValue() === "Promise") return true;
  }
  return false;
}

class Fatal extends Error {}

/** A lifted local that owns what it holds: its field, and where it is declared (for liveness at each await). */
interface Owned { field: string; sym: ts.Symbol; decl: ts.VariableDeclaration; scope: ts.Node }

/** A line of generated code, the source line it comes from, and (for an await's poll) whether polling may run another async function. */
interface Line { text: string; src: number; runsOthers?: boolean }

/** A block to jump to, as a label (§n§) that finish() turns into the block's number. */
type Label = string;
interface JumpTargets { brk: Label; cont: Label }

/** One async function (or method) being lowered. */
class Machine {
  fields: { name: string; type: string; init?: string; param?: boolean }[] = [];
  blocks: Line[][] = [];
  cur = 0;
  lifted = new Map<ts.Symbol, string>();
  names = new Set<string>();
  targets = new Map<ts.Node, JumpTargets>();
  temp = 0;
  hasOutput: boolean;
  /** Lifted locals that hold something the function owns (a guard, a permit, a future or handle it made): released on cancel. */
  owned: Owned[] = [];
  /** Each await that can wait: the label it resumes at and the owned fields live there (what a cancel there must release). */
  waits: { label: Label; src: number; what: string; held: string[] }[] = [];
  /** An await's block -> the block a poll resumes it from (finish() makes one per await that waits). */
  resumeOf = new Map<number, number>();
  constructor(
    public fn: ts.FunctionDeclaration | ts.MethodDeclaration,
    public outputType: string,
    public isMethod: boolean,
  ) {
    this.hasOutput = outputType !== "void";
    this.blocks.push([]);
  }
  /**
   * Blocks are numbered in the order they are placed (at()), not made, so
   * that code that runs on from one block into the next is written in that
   * order and falls through (no trip round the dispatch loop).
   */
  labels: number[] = [0];
  newBlock(): Label { this.labels.push(-1); return `§${this.labels.length - 1}§`; }
  at(label: Label): void {
    const n = Number(label.slice(1, -1));
    this.blocks.push([]);
    this.ended.push(false);
    this.cur = this.blocks.length - 1;
    this.labels[n] = this.cur;
  }
  /** Whether each block already ends in a jump or a return (nothing after it would run). */
  ended: boolean[] = [false];
  emit(text: string, src: number, ends = false): void { this.blocks[this.cur].push({ text, src }); this.ended[this.cur] = ends; }
  /** Jumps to `label` (finish() makes it a fall-through when that is the next block). */
  jump(label: Label, src: number): void {
    if (this.ended[this.cur]) return;
    this.emit(`this.__s = ${label}; continue;`, src, true);
  }
  /** What a panic says of this function: `name (file:line)` (set before the body is lowered). */
  display = "";
  /**
   * Labels to block numbers; a jump to the very next block falls through;
   * and where the code is, for a panic: before the first line of a block,
   * wherever the source line changes, and after each await (which may have
   * run another async function), `__noteAsync` records the function and
   * its line in two per-core globals (arch/sys.ts).
   */
  finish(): void {
    const resolve = (t: string): string => t.replace(/§(\d+)§/g, (_, n: string) => String(this.labels[Number(n)]));
    const name = JSON.stringify(this.display);
    // Blocks a poll can start in: the first, and each that an await returns to.
    const entries = new Set<number>([0]);
    for (const b of this.blocks) for (const l of b) {
      const m = l.text.match(/this\.__s = §(\d+)§; return false;/);
      if (m) entries.add(this.labels[Number(m[1])]);
    }
    // An await's block is where a poll resumes, but most of the time it is
    // reached from the block before (a ready future): the resume goes
    // through a block of its own at the end that notes the function and
    // jumps there, so that the path through does not note it every time.
    for (const i of [...entries]) {
      if (i === 0) continue;
      const first = this.blocks[i].find((l) => l.src > 0);
      const t = this.blocks.length;
      this.labels.push(t);
      const label = `§${this.labels.length - 1}§`;
      this.blocks.push([{ text: `__noteAsync(${name}, ${first?.src ?? 0});`, src: first?.src ?? 0 }, { text: `this.__s = ${i}; continue;`, src: first?.src ?? 0 }]);
      this.ended.push(true);
      for (const b of this.blocks) for (const l of b) {
        l.text = l.text.replace(/this\.__s = §(\d+)§; return false;/, (all, n: string) => (this.labels[Number(n)] === i ? `this.__s = ${label}; return false;` : all));
      }
      entries.delete(i);
      entries.add(t);
      this.resumeOf.set(i, t);
    }
    // What every block may start with: where a panic would point (named: the
    // globals hold this function; line: which line), met over the blocks
    // that jump or fall into it; a poll that starts there knows nothing.
    type At = { named: boolean; line: number } | null;        // null: not known yet
    const meet = (a: At, b: At): At => (a === null ? b : b === null ? a : { named: a.named && b.named, line: a.line === b.line ? a.line : -1 });
    const start: At[] = this.blocks.map((_, i) => (entries.has(i) ? { named: false, line: -1 } : null));
    const isScaffold = (t: string): boolean => /^this\.__s = \S+; continue;$|^this\.__s = \S+;$|^return true;$|^this\.__done\(\);$|^this\.__cur = null;$/.test(t);
    const ends = (t: string): boolean => /^this\.__s = [^;]*; continue;$|^return true;$|^\{ this\.output = .*; return true; \}$/.test(t);
    const walk = (i: number, emit: ((l: Line) => void) | null): void => {
      let at: { named: boolean; line: number } = start[i] ?? { named: false, line: -1 };
      const b = this.blocks[i];
      for (const l of b) {
        const note = l.text.match(/^__noteAsync\(.*, (\d+)\);$/);
        if (note) { emit?.(l); at = { named: true, line: Number(note[1]) }; continue; }
        if (!isScaffold(l.text) && !(at.named && at.line === l.src)) {
          emit?.({ text: at.named ? `__noteAsyncLine(${l.src});` : `__noteAsync(${name}, ${l.src});`, src: l.src });
          at = { named: true, line: l.src };
        }
        emit?.(l);
        if (l.runsOthers) at = { named: false, line: -1 };
        for (const m of l.text.matchAll(/§(\d+)§/g)) {
          if (/return false/.test(l.text)) continue;              // a resume: an entry already
          const t = this.labels[Number(m[1])];
          const before = start[t];
          start[t] = meet(start[t], at);
          if (JSON.stringify(before) !== JSON.stringify(start[t])) changed = true;
        }
      }
      const last = b[b.length - 1];
      if (i + 1 < this.blocks.length && !(last && ends(last.text))) {   // falls into the next
        const before = start[i + 1];
        start[i + 1] = meet(start[i + 1], at);
        if (JSON.stringify(before) !== JSON.stringify(start[i + 1])) changed = true;
      }
    };
    let changed = true;
    for (let round = 0; changed && round < 20; round++) {
      changed = false;
      for (let i = 0; i < this.blocks.length; i++) walk(i, null);
    }
    this.blocks.forEach((b, i) => {
      const out: Line[] = [];
      walk(i, (l) => out.push(l));
      b.length = 0;
      b.push(...out);
      for (const l of b) l.text = resolve(l.text);
      // Falling into the next block needs no state: every place that
      // returns false (an await that waits) stores its own.
      const last = b[b.length - 1];
      if (last && last.text === `this.__s = ${i + 1}; continue;`) b.pop();
    });
  }
  /** A new field: a user's variable (renamed if it would clash), or the transform's own (`internal`, named `__...`). */
  field(base: string, type: string, init?: string, internal = false): string {
    let name = !internal && (RESERVED.has(base) || base.startsWith("__")) ? `${base}_` : base;
    let n = 1;
    while (this.names.has(name)) name = `${base}_${n++}`;
    this.names.add(name);
    this.fields.push({ name, type, init });
    return name;
  }
}

export function lowerSource(sf: ts.SourceFile, checker: ts.TypeChecker, opts: LowerOptions): LowerResult {
  return new Lowerer(sf, checker, opts).run();
}

class Lowerer {
  diagnostics: Diagnostic[] = [];
  machines: MachineInfo[] = [];
  text: string;
  m!: Machine;
  needsImports = false;

  constructor(public sf: ts.SourceFile, public checker: ts.TypeChecker, public opts: LowerOptions) {
    this.text = sf.text;
  }

  // ---- positions and errors ----------------------------------------------
  lineOf(node: ts.Node | number): number {
    const pos = typeof node === "number" ? node : node.getStart(this.sf);
    return this.sf.getLineAndCharacterOfPosition(pos).line + 1;
  }
  error(node: ts.Node, message: string): Fatal {
    const { line, character } = this.sf.getLineAndCharacterOfPosition(node.getStart(this.sf));
    this.diagnostics.push({ file: this.sf.fileName, line: line + 1, col: character + 1, message });
    return new Fatal(message);
  }

  // ---- the file ------------------------------------------------------------
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

  emit(text: string, at: ts.Node | number, ends = false): void { this.m.emit(text, this.lineOf(at), ends); }

  // ---- what cannot be lowered ------------------------------------------------
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

  imports = new Map<string, { symbol: string; from: string }>();

  /** The name `sym` has in this file; imported (as __Name) if the file does not see it. */
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
    const leaf = sym && LEAF_FUTURES.has(sym.name) && sym.declarations?.some((d) => /assembly\/(kernel|drivers)\//.test(d.getSourceFile().fileName));
    const b = this.m.blocks[this.m.cur];
    b[b.length - 1].runsOthers = !leaf;
  }

  /** An await of a future the code holds (not made by the await) through a pure expression. */
  heldAndPure(node: ts.AwaitExpression): boolean {
    const e = node.expression;
    return !ownsResult(e) && !containsAwait(e) && isPure(e);
  }

  /** Is `e` (a future) given back by its own await (a MutexGuard): then the await must not dispose it. */
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
  jumpTarget(n: ts.BreakStatement | ts.ContinueStatement): JumpTargets | undefined {
    let p: ts.Node = n.parent;
    while (p && !ts.isFunctionLike(p)) {
      if (isLoop(p) || (ts.isBreakStatement(n) && ts.isSwitchStatement(p))) return this.m.targets.get(p);
      p = p.parent;
    }
    return undefined;
  }
}

// ---- helpers ----------------------------------------------------------------
function hasAsync(n: ts.Node): boolean {
  return (ts.canHaveModifiers(n) && ts.getModifiers(n)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) ?? false;
}

/** Does `n` hold an await of its own (not inside a nested function)? */
export function containsAwait(n: ts.Node): boolean {
  if (ts.isAwaitExpression(n)) return true;
  if (ts.isFunctionLike(n)) return false;
  return ts.forEachChild(n, (c) => (containsAwait(c) ? true : undefined)) ?? false;
}
function containsAwaitShallow(fn: ts.Node): boolean {
  let found = false;
  const visit = (c: ts.Node): void => { if (found) return; if (ts.isAwaitExpression(c)) { found = true; return; } if (ts.isFunctionLike(c)) return; ts.forEachChild(c, visit); };
  ts.forEachChild(fn, visit);
  return found;
}

function stripParens(e: ts.Expression): ts.Expression { while (ts.isParenthesizedExpression(e)) e = e.expression; return e; }

function isLoop(n: ts.Node): boolean {
  return ts.isWhileStatement(n) || ts.isDoStatement(n) || ts.isForStatement(n) || ts.isForOfStatement(n) || ts.isForInStatement(n);
}

function isAssignment(op: ts.SyntaxKind): boolean { return op >= ts.SyntaxKind.FirstAssignment && op <= ts.SyntaxKind.LastAssignment; }

/** The block (or loop, or case clause) a declaration lives in. */
function scopeOf(d: ts.VariableDeclaration): ts.Node {
  let p: ts.Node = d.parent;
  while (p && !(ts.isBlock(p) || ts.isForStatement(p) || ts.isForOfStatement(p) || ts.isCaseClause(p) || ts.isDefaultClause(p) || ts.isSourceFile(p))) p = p.parent;
  return p;
}


/** Does the awaited expression make its future (so the await owns it)? */
function ownsResult(e: ts.Expression): boolean {
  const x = stripParens(e);
  return ts.isCallExpression(x) || ts.isNewExpression(x);
}

/** An expression that gives the same value if evaluated after an await: no calls, no assignments. */
function isPure(e: ts.Node): boolean {
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
function literalType(e: ts.Expression): string | undefined {
  let x = stripParens(e);
  if (ts.isPrefixUnaryExpression(x) && x.operator === ts.SyntaxKind.MinusToken) x = x.operand;
  if (!ts.isNumericLiteral(x)) return undefined;
  const t = x.text;
  if (/^0[xXbBoO]/.test(t)) return Number(t) <= 0x7fffffff ? "i32" : "i64";
  if (/[.eE]/.test(t)) return "f64";
  return Math.abs(Number(t)) <= 0x7fffffff ? "i32" : "i64";
}

/** The type an async function's call has at build time: AsyncFuture<R>, or AsyncFn for Promise<void>. */
function futureOf(result: string): string { return result.trim() === "void" ? "__AsyncFn" : `__AsyncFuture<${result}>`; }

function typeParams(tps: ts.NodeArray<ts.TypeParameterDeclaration> | undefined, sf: ts.SourceFile): { decl: string; use: string } {
  if (!tps || !tps.length) return { decl: "", use: "" };
  return { decl: `<${tps.map((t) => t.getText(sf)).join(", ")}>`, use: `<${tps.map((t) => t.name.text).join(", ")}>` };
}
