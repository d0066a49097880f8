/**
 * @fileoverview The generated install script parsed with PostgreSQL's own parser (libpg-query),
 * and probes into its parse trees shared by the tests of tests/sql.
 */
import { parse } from "libpg-query";
import { expect } from "vitest";

// Parse trees are plain JSON; a loose type keeps the probes short.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Node = any;

let statements: Node[] = [];

/** Parses `script` (skipping psql meta-commands) for the probes below; call it in beforeAll. */
export async function parseInstallScript(script: string): Promise<void> {
  // psql meta-commands (the \echo ... \quit guard) are not SQL; everything else must parse.
  const sql = script
    .split("\n")
    .filter((line) => !line.startsWith("\\"))
    .join("\n");
  statements = ((await parse(sql)).stmts ?? []).map((s: Node) => s.stmt);
}

/** The statements of one parse-node type, e.g. "CreateFunctionStmt". */
export function statementsOf(type: string): Node[] {
  return statements.filter((s) => type in s).map((s) => s[type]);
}

/** The strings of a list of String nodes. */
export function names(list: Node[]): string[] {
  return list.map((n) => n.String.sval);
}

/** A type name as written, e.g. "text", "pg_catalog.int4", "text[]". */
export function typeName(type: Node): string {
  return names(type.names).join(".") + (type.arrayBounds ? "[]" : "");
}

/** A literal default rendered back to SQL text. */
export function literal(expr: Node | undefined): string | undefined {
  if (expr === undefined) return undefined;
  const constant = expr.A_Const;
  if (constant === undefined) throw new Error(`non-constant default ${JSON.stringify(expr)}`);
  if (constant.isnull) return "NULL";
  if (constant.sval) return `'${constant.sval.sval}'`;
  if (constant.boolval) return String(constant.boolval.boolval ?? false);
  if (constant.ival) return String(constant.ival.ival ?? 0);
  throw new Error(`unexpected constant ${JSON.stringify(constant)}`);
}

/** The one CREATE FUNCTION pgtrickle.<name>. */
export function createFunction(name: string): Node {
  const found = statementsOf("CreateFunctionStmt").filter((f) => names(f.funcname).join(".") === `pgtrickle.${name}`);
  expect(found, `CREATE FUNCTION pgtrickle.${name}`).toHaveLength(1);
  return found[0];
}

/** A function's parameters (RETURNS TABLE columns included, mode FUNC_PARAM_TABLE) as written. */
export function signature(name: string): { name: string; mode: string; type: string; default?: string }[] {
  return (createFunction(name).parameters ?? []).map((p: Node) => ({
    name: p.FunctionParameter.name,
    mode: p.FunctionParameter.mode,
    type: typeName(p.FunctionParameter.argType),
    default: literal(p.FunctionParameter.defexpr),
  }));
}

/** The argument of a CREATE FUNCTION option (language, volatility, strict, security, set, ...). */
export function option(fn: Node, name: string): Node {
  return fn.options.find((o: Node) => o.DefElem.defname === name)?.DefElem.arg;
}
