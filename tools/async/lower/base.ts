// The state every layer of the lowering shares: the file, its diagnostics,
// the machine being built, and where errors and lines go.
//
// The async transform (tools/async/lower.ts says what a function becomes)
// is one class in layers, each a file with one concern, each extending the
// one below:
//   base.ts         this: state, positions, errors
//   types.ts        the types of fields and of what an await gives
//   liveness.ts     what cannot be lowered; which locals live across an await; which own what they hold
//   expressions.ts  expressions, cut at their awaits
//   statements.ts   statements into the machine's blocks; each await into its poll
//   function.ts     the file and each function: the wrapper and the machine's class (Lowerer)
// with machine.ts (the blocks, fields and labels of one function) and
// syntax.ts (helpers that need no types).
import ts = require("typescript");
import type { Diagnostic, MachineInfo, LowerOptions } from "../lower.js";
import { Machine, JumpTargets } from "./machine.js";

/** A construct the transform cannot lower: its diagnostic is already recorded. */
export class Fatal extends Error {}

export abstract class LowerBase {
  // The methods the lower layers call in the higher ones (each defined once, in its layer).
  abstract await(node: ts.AwaitExpression, into: string | null): void;
  abstract heldAndPure(node: ts.AwaitExpression): boolean;
  abstract jumpTarget(n: ts.BreakStatement | ts.ContinueStatement): JumpTargets | undefined;
  abstract subst(node: ts.Node): string;

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
  emit(text: string, at: ts.Node | number, ends = false): void { this.m.emit(text, this.lineOf(at), ends); }

  // ---- what cannot be lowered ------------------------------------------------
  imports = new Map<string, { symbol: string; from: string }>();

  /** The name `sym` has in this file; imported (as __Name) if the file does not see it. */
}
