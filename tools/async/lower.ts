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
import ts = require("typescript");
import { Lowerer } from "./lower/function.js";

// The lowering is layered by concern (lower/base.ts: state and errors; types.ts;
// liveness.ts; expressions.ts; statements.ts; function.ts: the file, each function and the
// output), with the machine in lower/machine.ts and syntax helpers in lower/syntax.ts.

/** An error at the user's place; `kind` "dropped": a future made and dropped (tools/async/dropped.ts), not a construct the transform cannot lower. */
export interface Diagnostic { file: string; line: number; col: number; message: string; kind?: "dropped" }

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

export function lowerSource(sf: ts.SourceFile, checker: ts.TypeChecker, opts: LowerOptions): LowerResult {
  return new Lowerer(sf, checker, opts).run();
}

export { containsAwait } from "./lower/syntax.js";
