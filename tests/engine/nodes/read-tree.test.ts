/**
 * @fileoverview The engine's two parse-tree front-ends agree: for every query of the corpus, the
 * outfuncs text a real PostgreSQL 18 backend wrote (fixtures) and libpg-query's JSON normalise to
 * the same canonical text, through build/engine.wasm (op "normalize"). Also: PostgreSQL 17 text
 * reads, malformed trees are InternalProtocol errors, and over-deep trees are 54000.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "libpg-query";
import { beforeAll, describe, expect, test } from "vitest";
import { EngineHost } from "../../../src/host/engine-host.ts";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "../fixtures");

interface CorpusQuery { id: string; title: string; sql: string }

/** The corpus: blocks of tests/engine/fixtures/queries.sql, each opened by `-- query NNN: title`. */
function readCorpus(): CorpusQuery[] {
  const queries: CorpusQuery[] = [];
  let current: { id: string; title: string; lines: string[] } | null = null;
  const flush = () => { if (current) queries.push({ id: current.id, title: current.title, sql: current.lines.join("\n").replace(/\n+$/, "") }); };
  for (const line of readFileSync(join(fixtures, "queries.sql"), "utf8").split("\n")) {
    const header = /^-- query (\d+): (.*)$/.exec(line);
    if (header) { flush(); current = { id: header[1], title: header[2], lines: [] }; }
    else if (current) current.lines.push(line);
  }
  flush();
  return queries;
}

const corpus = readCorpus();
const outfuncs = (major: number, id: string) => readFileSync(join(fixtures, `outfuncs/pg${major}/${id}.txt`), "utf8");

let engine: EngineHost;
beforeAll(async () => { engine = await EngineHost.load(); });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function normalize(request: object): any {
  return engine.callJson({ op: "normalize", ...request });
}

function statementsOf(request: object): string[] {
  const response = normalize(request);
  if (!response.ok) throw new Error(`normalize failed: ${JSON.stringify(response.error)}`);
  return response.result.statements;
}

const fromText = (major: number, id: string) => statementsOf({ parseTree: outfuncs(major, id), serverVersion: major * 10000 + 1 });
const fromJson = async (sql: string) => statementsOf({ parseTreeJson: await parse(sql) });

describe("outfuncs (PostgreSQL 18) and libpg-query JSON normalise alike", () => {
  test("the corpus is large enough", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(60);
  });

  test.each(corpus.map((q) => [q.id, q.title, q.sql]))("%s %s", async (id, _title, sql) => {
    const text = fromText(18, id);
    expect(text.length).toBeGreaterThan(0);
    expect(text).toEqual(await fromJson(sql));
  });
});

describe("PostgreSQL 17 outfuncs text", () => {
  // Fields PostgreSQL 18 added (parse locations of IN lists and ARRAY[...] brackets).
  const without18Fields = (s: string) => s.replace(/ :(rexpr_list_start|rexpr_list_end|list_start|list_end) -?\d+/g, "");

  test.each(corpus.map((q) => [q.id, q.title]))("%s %s reads like PostgreSQL 18's", (id) => {
    const seventeen = fromText(17, id).map(without18Fields);
    const eighteen = fromText(18, id).map(without18Fields);
    if (id === "068") {
      // PostgreSQL 18 starts the second statement after the blank following `;` (17: at the blank).
      expect(seventeen[1]).toMatch(/:stmt_location 9\b/);
      expect(eighteen[1]).toMatch(/:stmt_location 10\b/);
      expect(seventeen[0]).toEqual(eighteen[0]);
    } else {
      expect(seventeen).toEqual(eighteen);
    }
  });
});

describe("exact structures", () => {
  const targets = (id: string) => fromText(18, id)[0];

  test("numeric constants: Integer within int32, Float beyond it and for every fraction", () => {
    const text = targets("004");
    expect(text).toContain("{A_Const :location 7 :val {Integer}}");                  // 0: ival omitted
    expect(text).toContain("{A_Const :location 13 :val {Integer :ival -1}}");
    expect(text).toContain("{A_Const :location 17 :val {Integer :ival 2147483647}}");
    expect(text).toContain("{A_Const :location 29 :val {Float :fval float(-2147483648)}}");
    expect(text).toContain("{A_Const :location 54 :val {Float :fval float(12345678901234567890)}}");
    expect(text).toContain("{A_Const :location 81 :val {Float :fval float(-1.5)}}");
    expect(text).toContain("{A_Const :location 97 :val {Float :fval float(-1.5e-3)}}");
    expect(text).toContain("{A_Const :location 106 :val {Integer :ival 31}}");        // 0x1F
  });

  test("strings keep quotes, backslashes, blanks and unicode", () => {
    const text = targets("005");
    expect(text).toContain('{String :sval "it\'s"}');
    expect(text).toContain('{String :sval "back\\\\slash"}');
    expect(text).toContain('{String :sval "dollar (paren) {brace}"}');
    expect(text).toContain('{String :sval "ünïcödé ✓"}');
    expect(text).toContain('{A_Const :location 104 :val {String :sval ""}}');
    expect(text).toContain('{String :sval "\\"quoted\\""}');
  });

  test("quoted identifiers with parentheses, braces and blanks", () => {
    const text = targets("007");
    expect(text).toContain('{ColumnRef :fields ({String :sval "paren)"}) :location 14}');
    expect(text).toContain('{ColumnRef :fields ({String :sval "{brace}"}) :location 33}');
    expect(text).toContain('{ColumnRef :fields ({String :sval "1digit"}) :location 69}');
    expect(text).toContain('{RangeVar :alias {Alias :aliasname "x y"} :inh true :location 92 :relname "my table" :relpersistence "p"}');
  });

  test("NULL, boolean and bit-string constants", () => {
    const text = targets("006");
    expect(text).toContain("{A_Const :isnull true :location 20}");
    expect(text).toContain("{A_Const :location 7 :val {Boolean :boolval true}}");
    expect(text).toContain("{A_Const :location 13 :val {Boolean}}");
    expect(text).toContain('{BitString :bsval "b1010"}');
    expect(text).toContain('{BitString :bsval "x1F"}');
  });

  test("enums become names: A_Expr kinds, BoolExpr ops, join types, sort orders", () => {
    expect(targets("012")).toContain(':kind "AEXPR_DISTINCT"');
    expect(targets("012")).toContain(':kind "AEXPR_NOT_DISTINCT"');
    expect(targets("009")).toContain(':kind "AEXPR_BETWEEN_SYM"');
    expect(targets("002")).toContain(':boolop "OR_EXPR"');
    expect(targets("035")).toContain(':jointype "JOIN_FULL"');
    expect(targets("030")).toContain(':sortby_dir "SORTBY_DESC" :sortby_nulls "SORTBY_NULLS_FIRST"');
    expect(targets("001")).toContain(':limitOption "LIMIT_OPTION_COUNT" :op "SETOP_NONE"');
  });

  test("several statements keep their order and locations", () => {
    const statements = fromText(18, "068");
    expect(statements).toHaveLength(2);
    expect(statements[0]).toContain(":stmt_len 8");
    expect(statements[1]).toContain('{ResTarget :location 17 :name "two"');
  });
});

describe("malformed parse trees are InternalProtocol errors", () => {
  const cases: Array<[string, object]> = [
    ["no tree at all", {}],
    ["unterminated node", { parseTree: "({RAWSTMT :stmt {SELECTSTMT :targetList" }],
    ["unbalanced", { parseTree: "({RAWSTMT :stmt <> :stmt_location 0 :stmt_len 0}))" }],
    ["unknown token", { parseTree: "({RAWSTMT :stmt @@ :stmt_location 0 :stmt_len 0})" }],
    ["enum out of range", { parseTree: "({RAWSTMT :stmt {SELECTSTMT :op 99} :stmt_location 0 :stmt_len 0})" }],
    ["bad boolean", { parseTree: "({RAWSTMT :stmt {SELECTSTMT :all maybe} :stmt_location 0 :stmt_len 0})" }],
    ["not a statement list", { parseTree: "{RAWSTMT :stmt <>}" }],
    ["JSON stmts not an array", { parseTreeJson: { version: 180004, stmts: 3 } }],
    ["JSON node not an object", { parseTreeJson: { version: 180004, stmts: [{ stmt: { SelectStmt: 7 } }] } }],
    ["JSON unknown enum name", { parseTreeJson: { version: 180004, stmts: [{ stmt: { SelectStmt: { op: "SETOP_BOGUS" } } }] } }],
  ];
  test.each(cases)("%s", (_name, request) => {
    const response = normalize(request);
    expect(response.ok).toBe(false);
    expect(response.error.code).toBe("InternalProtocol");
    expect(response.error.sqlstate).toBe("XX000");
  });

  test("an empty query string reads as no statements", () => {
    expect(statementsOf({ parseTree: "<>", serverVersion: 180006 })).toEqual([]);
  });
});

describe("parse-tree depth limit", () => {
  /** `SELECT 1 + 1 + ...`: a left-deep chain of `n` A_Expr nodes under RawStmt, SelectStmt, ResTarget. */
  function deepText(n: number): string {
    const one = "{A_CONST :val 1 :location 7}";
    const open = "{A_EXPR :name (\"+\") :lexpr ".repeat(n);
    const close = ` :rexpr ${one} :rexpr_list_start 0 :rexpr_list_end 0 :location 9}`.repeat(n);
    return `({RAWSTMT :stmt {SELECTSTMT :targetList ({RESTARGET :name <> :indirection <> :val ${open}${one}${close} :location 7})} :stmt_location 0 :stmt_len 0})`;
  }

  test("a tree just under the limit reads", () => {
    expect(statementsOf({ parseTree: deepText(990), serverVersion: 180006 })).toHaveLength(1);
  });

  test.each([1000, 100_000])("%i levels deep is 54000 query is too complex", (n) => {
    const response = normalize({ parseTree: deepText(n), serverVersion: 180006 });
    expect(response.ok).toBe(false);
    expect(response.error).toMatchObject({
      code: "QueryTooComplex", sqlstate: "54000", message: "query is too complex",
      detail: "The parse tree is nested more than 1000 levels deep.",
    });
    expect(response.error.hint).toMatch(/\.$/);
  });

  test("deeply nested bare lists are refused without exhausting the stack", () => {
    const response = normalize({ parseTree: "(".repeat(200_000), serverVersion: 180006 });
    expect(response.ok).toBe(false);
    expect(response.error.sqlstate).toBe("54000");
  });
});
