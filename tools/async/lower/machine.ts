// The machine one async function becomes while it is lowered: its fields, its blocks of code
// (one per state), the jump labels and the owned fields live at each await.
import ts = require("typescript");
import { RESERVED } from "./syntax.js";

/** A lifted local that owns what it holds: its field, and where it is declared (for liveness at each await). */
export interface Owned { field: string; sym: ts.Symbol; decl: ts.VariableDeclaration; scope: ts.Node }

/** A line of generated code, the source line it comes from, and (for an await's poll) whether polling may run another async function. */
export interface Line { text: string; src: number; runsOthers?: boolean }

/** A block to jump to, as a label (§n§) that finish() turns into the block's number. */
export type Label = string;
export interface JumpTargets { brk: Label; cont: Label }

/** One async function (or method) being lowered. */
export class Machine {
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
