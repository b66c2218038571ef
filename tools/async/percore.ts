// The `@perCore` decorator (docs/memory-model.md), at build time: stripping
// it for asc and listing the variables for tools/kernel/share-globals.ts
// (stripPerCore), and refusing top-level code that assigns to one
// (checkPerCoreWrites). Top-level code runs once, on core 0, so such an
// assignment reaches core 0's copy only and the other cores keep the
// initial value: almost certainly not what was meant. tools/kernel/share-globals.ts
// catches an initial value computed at the top level; the check here
// catches a statement (`count = 5;`, `count++`, `if (x) count = 1;`) that it
// lets through when the variable also has a literal initial value.
// Assignments inside functions are not top-level code and are left alone (a
// function that top-level code calls is not followed).
import ts = require("typescript");
import type { Diagnostic } from "./lower.js";

/** A @perCore variable: where it is declared, and whether its initial value is a literal (`constant`). */
export interface PerCoreVar { global: string; file: string; line: number; constant?: boolean }

/** `: type = <literal>;` after a declaration's name (a number, true, false, null, a string). */
const CONSTANT_INIT = /^\s*(?::[^=;]+)?=\s*(?:-?(?:0x[\da-f_]+|[\d_]*\.?[\d_]+(?:e[+-]?\d+)?)|true|false|null|"[^"\n]*"|'[^'\n]*')\s*;/i;

/**
 * `@perCore` before a module-level variable (docs/memory-model.md): asc
 * has no such decorator, so it is blanked out (the columns stay), and the
 * variable's global is listed for tools/kernel/share-globals.ts, which leaves it
 * per core. Names as asc gives globals: the file's path without .ts, a
 * slash, the variable.
 */
export function stripPerCore(text: string, rel: string, found: Map<string, PerCoreVar>): string {
  const re = /^([ \t]*)@perCore(\s+(?:export\s+)?(?:let|var|const)\s+)([A-Za-z_$][\w$]*)/gm;
  return text.replace(re, (all, indent: string, between: string, name: string, at: number) => {
    const global = `${rel.replace(/\.ts$/, "")}/${name}`;
    const constant = CONSTANT_INIT.test(text.slice(at + all.length, at + all.length + 200));
    found.set(global, { global, file: rel, line: text.slice(0, at).split("\n").length, constant });
    return `${indent}${" ".repeat("@perCore".length)}${between}${name}`;
  });
}

const ASSIGNMENTS = new Set([
  ts.SyntaxKind.EqualsToken, ts.SyntaxKind.PlusEqualsToken, ts.SyntaxKind.MinusEqualsToken, ts.SyntaxKind.AsteriskEqualsToken,
  ts.SyntaxKind.SlashEqualsToken, ts.SyntaxKind.PercentEqualsToken, ts.SyntaxKind.AmpersandEqualsToken, ts.SyntaxKind.BarEqualsToken,
  ts.SyntaxKind.CaretEqualsToken, ts.SyntaxKind.LessThanLessThanEqualsToken, ts.SyntaxKind.GreaterThanGreaterThanEqualsToken,
  ts.SyntaxKind.GreaterThanGreaterThanGreaterThanEqualsToken, ts.SyntaxKind.AsteriskAsteriskEqualsToken,
  ts.SyntaxKind.BarBarEqualsToken, ts.SyntaxKind.AmpersandAmpersandEqualsToken, ts.SyntaxKind.QuestionQuestionEqualsToken,
]);

/** Top-level statements of `sf` that write a @perCore variable of the same file. */
export function findTopLevelPerCoreWrites(sf: ts.SourceFile, file: string, names: Set<string>): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (!names.size) return out;
  const report = (target: ts.Node, name: string) => {
    const at = sf.getLineAndCharacterOfPosition(target.getStart(sf));
    out.push({
      file, line: at.line + 1, col: at.character + 1,
      message: `top-level code sets the @perCore variable ${name}: it runs once, on core 0, so cores 1 to 3 keep the initial value. ` +
        `Set it on each core instead (from kernel_start, or the worker function boot() calls), or drop @perCore to make it one variable for all cores (docs/memory-model.md)`,
    });
  };
  const written = (e: ts.Expression): string | null => {
    while (ts.isParenthesizedExpression(e)) e = e.expression;
    return ts.isIdentifier(e) && names.has(e.text) ? e.text : null;
  };
  const visit = (n: ts.Node): void => {
    // Code in a function, method, class or accessor is not top-level code.
    if (ts.isFunctionLike(n) || ts.isClassLike(n)) return;
    if (ts.isBinaryExpression(n) && ASSIGNMENTS.has(n.operatorToken.kind)) {
      const name = written(n.left);
      if (name) report(n.left, name);
    } else if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) &&
      (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken)) {
      const name = written(n.operand);
      if (name) report(n.operand, name);
    }
    ts.forEachChild(n, visit);
  };
  for (const st of sf.statements) {
    // A declaration's own initialiser is checked by tools/kernel/share-globals.ts.
    if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) if (d.initializer) visit(d.initializer);
      continue;
    }
    if (ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isInterfaceDeclaration(st) ||
      ts.isTypeAliasDeclaration(st) || ts.isEnumDeclaration(st) || ts.isModuleDeclaration(st) || ts.isImportDeclaration(st)) continue;
    visit(st);
  }
  return out;
}

/** The check over files (absolute path, text, and the path to report). */
export function checkPerCoreWrites(files: { abs: string; rel: string; text: string }[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const f of files) {
    // Blanked as the build blanks it, so that the parser reads the declarations.
    const found = new Map<string, PerCoreVar>();
    const text = stripPerCore(f.text, f.rel, found);
    if (!found.size) continue;
    const names = new Set([...found.keys()].map((g) => g.slice(g.lastIndexOf("/") + 1)));
    const sf = ts.createSourceFile(f.abs, text, ts.ScriptTarget.ESNext, true);
    out.push(...findTopLevelPerCoreWrites(sf, f.rel, names));
  }
  return out;
}
