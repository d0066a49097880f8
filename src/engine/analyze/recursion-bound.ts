/**
 * @fileoverview The bound IMMEDIATE maintenance puts on recursion: pg_trickle.ivm_recursive_max_depth.
 *
 * An IMMEDIATE stream table over WITH RECURSIVE is recomputed inside every statement that writes
 * its sources (analyze/recursive.ts). A recursive CTE combined with UNION ALL recurses until an
 * iteration adds no row, so a cycle in the data would make it, and the writer's statement, run
 * forever. Its IMMEDIATE program therefore runs the defining query with every such CTE rewritten,
 * in the query's own text, to count the depth of its rows (1 for the non-recursive term, one more
 * per recursive step) in a hidden column:
 *
 *   walk (a, b) AS (SELECT ... UNION ALL SELECT ... FROM walk AS w ...)
 * becomes
 *   walk ("a", "b") AS NOT MATERIALIZED (SELECT __pgt_c1, __pgt_c2
 *       FROM __pgt_recursive_1 AS __pgt_g (__pgt_c1, __pgt_c2, __pgt_depth)
 *       WHERE CASE WHEN __pgt_depth > <the setting> THEN pgtrickle._recursion_too_deep(...) ELSE true END OFFSET 0),
 *   __pgt_recursive_1 (a, b) AS (SELECT __pgt_n.*, 1 AS __pgt_depth FROM (SELECT ...) AS __pgt_n
 *       UNION ALL SELECT ..., "w".__pgt_depth + 1 AS __pgt_depth FROM __pgt_recursive_1 AS w ...)
 *
 * Every reader of `walk` (the main query, other CTEs, subqueries) reads the first CTE: the same
 * columns under the same names (PostgreSQL's own, asked of its parse analysis), in the same order.
 * It raises 54000 on the first row deeper than the setting, read at run time; 0 means no bound.
 * PostgreSQL inlines it into each reader as a subquery, so no row is stored twice.
 * That is exact: a recursive CTE runs only as far as its readers pull rows, and every row it
 * produces passes that filter before any reader sees it (OFFSET 0 keeps the readers' own
 * conditions out of the subquery, so none is evaluated first); a recursion that stops in time,
 * or whose deeper rows nobody reads, returns exactly the query's rows. Nothing is truncated.
 *
 * Left unbounded: a CTE combined with UNION (a cycle ends it: an iteration that finds only rows
 * already there adds none, and a depth column would make those rows new), and the shapes this
 * rewrite cannot express — a recursive term that is itself a set operation, or that reads the
 * CTE's whole row or `*`, and a CTE body with a WITH clause of its own. `unbounded` says which.
 */

import { PNode } from "../nodes/parse-node";
import { Json } from "../util/json";
import { LevelScanner, SqlScanner, Token, TokenKind, isKeyword } from "../sqlgen/sql-scanner";
import { quoteIdent, quoteLiteral } from "../sqlgen/quote";
import { lookupCteColumns } from "./catalog";
import { allNodes, characterPosition, nodeList, statementRange, isSetOperation } from "./tree";

/** The setting that bounds recursion, as the generated SQL reads it: once per statement, 0 meaning no bound. */
const MAX_DEPTH = "(SELECT nullif(pg_catalog.current_setting('pg_trickle.ivm_recursive_max_depth')::integer, 0))";

/** A defining statement with its recursion bounded. */
export class BoundedQuery {
  /** The statement's text with every recursive CTE that could be bounded rewritten. */
  sql: string = "";
  /** The names of the CTEs bounded. */
  bounded: string[] = [];
  /** Per recursive CTE combined with UNION ALL left unbounded, a sentence saying so and why. */
  unbounded: string[] = [];
}

/** Replace the text from `start` to `end` (character indices) with `text`. */
class Edit {
  constructor(public start: i32, public end: i32, public text: string) {}
}

/** The text of the statement `raw` (a RawStmt) of `query` with its recursion bounded, for stream table `streamTable`. */
export function boundRecursion(query: string, raw: PNode, streamTable: string): BoundedQuery {
  const out = new BoundedQuery();
  const ctes = recursiveUnionAll(raw);
  const edits: Edit[] = [];
  const answer = ctes.length > 0 ? lookupCteColumns(query) : null;
  for (let i = 0; i < ctes.length; i++) {
    const cte = ctes[i];
    const name = cte.str("ctename");
    const own: Edit[] = [];
    const why = boundCte(query, cte, "__pgt_recursive_" + (out.bounded.length + 1).toString(), columnsOf(answer, cte), streamTable, own);
    if (why.length > 0) {
      out.unbounded.push("the recursion of " + quoteIdent(name) + " is not bounded by pg_trickle.ivm_recursive_max_depth: " + why);
      continue;
    }
    out.bounded.push(name);
    for (let k = 0; k < own.length; k++) edits.push(own[k]);
  }
  // From the last edit back, so each one's positions still hold; they never overlap.
  edits.sort((a: Edit, b: Edit): i32 => b.start - a.start);
  const range = statementRange(query, raw);
  let text = query.substring(range[0], range[1]);
  for (let i = 0; i < edits.length; i++) {
    const e = edits[i];
    text = text.substring(0, e.start - range[0]) + e.text + text.substring(e.end - range[0]);
  }
  out.sql = text;
  return out;
}

/** The CTEs under `root` combined with UNION ALL whose recursive term reads them, in the order they are written. */
function recursiveUnionAll(root: PNode): PNode[] {
  const nodes = allNodes(root);
  const out: PNode[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const cte = nodes[i];
    if (cte.tag != "CommonTableExpr") continue;
    const body = cte.node("ctequery");
    if (body === null || body.str("op") != "SETOP_UNION" || !body.bool("all")) continue;
    const rarg = body.node("rarg");
    if (rarg !== null && selfReferences(rarg, cte.str("ctename")).length > 0) out.push(cte);
  }
  out.sort((a: PNode, b: PNode): i32 => <i32>(a.int("location") - b.int("location")));
  return out;
}

/** The RangeVars anywhere under `n` naming `name` without a schema. */
function selfReferences(n: PNode, name: string): PNode[] {
  const nodes = allNodes(n);
  const out: PNode[] = [];
  for (let i = 0; i < nodes.length; i++) {
    const v = nodes[i];
    if (v.tag == "RangeVar" && v.str("schemaname").length == 0 && v.str("relname") == name) out.push(v);
  }
  return out;
}

/** The FROM items of SELECT `s` that are RangeVars naming `name`, looking into joins (where PostgreSQL allows the recursive reference). */
function fromReferences(s: PNode, name: string): PNode[] {
  const out: PNode[] = [];
  const stack = nodeList(s, "fromClause");
  while (stack.length > 0) {
    const item = stack.pop();
    if (item === null) continue;
    if (item.tag == "JoinExpr") { stack.push(item.node("larg")); stack.push(item.node("rarg")); }
    if (item.tag == "RangeVar" && item.str("schemaname").length == 0 && item.str("relname") == name) out.push(item);
  }
  return out;
}

/** PostgreSQL's names of the columns of `cte`'s query in `answer` (lookupCteColumns), or null. */
function columnsOf(answer: Json | null, cte: PNode): string[] | null {
  if (answer === null) return null;
  const location = cte.int("location").toString();
  for (let i = 0; i < answer.items.length; i++) {
    const entry = answer.items[i];
    if (entry.str("location") != location) continue;
    const out: string[] = [];
    const columns = entry.arr("columns");
    for (let k = 0; k < columns.length; k++) out.push(columns[k].text);
    return out;
  }
  return null;
}

/**
 * Appends to `edits` what bounds `cte` under the name `guarded`, and returns "", or returns why it
 * cannot be bounded (and appends nothing that must be applied). `columns` are its column names.
 */
function boundCte(query: string, cte: PNode, guarded: string, columns: string[] | null, streamTable: string, edits: Edit[]): string {
  const name = cte.str("ctename");
  const body = changetype<PNode>(cte.node("ctequery"));
  const rarg = changetype<PNode>(body.node("rarg"));
  if (isSetOperation(rarg)) return "its recursive term is a set operation";
  const refs = fromReferences(rarg, name);
  if (refs.length != 1 || selfReferences(rarg, name).length != 1) return "its recursive term reads it more than once";
  const ref = refs[0];
  const alias = ref.node("alias");
  const refName = alias !== null ? alias.str("aliasname") : name;
  if (readsWholeRow(rarg, refName, columns)) return "its recursive term reads its whole row or *";
  if (body.node("withClause") !== null) return "its body has a WITH clause of its own";
  const targets = nodeList(rarg, "targetList");
  if (columns === null || columns.length == 0 || targets.length == 0) return "PostgreSQL did not name its columns";
  // SEARCH adds a column and CYCLE two after the CTE's own ones (and the depth).
  const added = clauseColumns(cte);
  for (let i = 0; i < added.length; i++) columns.push(added[i]);

  const nameToken = tokenAt(query, characterPosition(query, cte.int("location")) - 1);
  const bodyStart = nameToken === null ? -1 : bodyOpening(query, nameToken.end);
  const firstTarget = characterPosition(query, changetype<PNode>(targets[0]).int("location")) - 1;
  const separator = bodyStart < 0 ? -1 : lastUnion(query, bodyStart, firstTarget);
  const from = fromKeyword(query, characterPosition(query, changetype<PNode>(targets[targets.length - 1]).int("location")) - 1);
  const refToken = tokenAt(query, characterPosition(query, ref.int("location")) - 1);
  const groupAt = rarg.list("groupClause").length == 0 ? 0 : groupByEnd(query, from);
  if (nameToken === null || separator < 0 || from < 0 || refToken === null || groupAt < 0) {
    return "pg_trickle could not find its parts in the query text";
  }

  const quotedRef = quoteIdent(refName);
  edits.push(new Edit(nameToken.start, nameToken.end, visibleColumns(name, guarded, columns, added.length, streamTable) + ", " + guarded));
  edits.push(new Edit(bodyStart, bodyStart, "SELECT __pgt_n.*, 1 AS __pgt_depth FROM ("));
  edits.push(new Edit(separator, separator, ") AS __pgt_n "));
  edits.push(new Edit(from, from, ", " + quotedRef + ".__pgt_depth + 1 AS __pgt_depth "));
  // The depth is the same for every row of one recursive step: grouping by it too changes no group.
  if (groupAt > 0) edits.push(new Edit(groupAt, groupAt, " " + quotedRef + ".__pgt_depth,"));
  edits.push(new Edit(refToken.start, refToken.end, guarded + (alias !== null ? "" : " AS " + quoteIdent(name))));
  return "";
}

/**
 * The CTE that keeps name `name` for its readers: the columns of `guarded` but the depth, under
 * PostgreSQL's names `columns`, stopping at the first row deeper than the setting. Its own
 * columns are picked by position (their names may repeat); the last `added`, of SEARCH and
 * CYCLE, come after the depth and keep their names (PostgreSQL does not let an alias rename them).
 */
function visibleColumns(name: string, guarded: string, columns: string[], added: i32, streamTable: string): string {
  const names: string[] = [];
  const picked: string[] = [];
  const aliases: string[] = [];
  for (let i = 0; i < columns.length; i++) {
    names.push(quoteIdent(columns[i]));
    if (i >= columns.length - added) {
      picked.push(quoteIdent(columns[i]));
      continue;
    }
    picked.push("__pgt_c" + (i + 1).toString());
    aliases.push("__pgt_c" + (i + 1).toString());
  }
  aliases.push("__pgt_depth");
  return quoteIdent(name) + " (" + names.join(", ") + ") AS NOT MATERIALIZED (SELECT " + picked.join(", ") + " FROM " + guarded
    + " AS __pgt_g (" + aliases.join(", ") + ") WHERE CASE WHEN __pgt_depth > " + MAX_DEPTH + " THEN pgtrickle._recursion_too_deep("
    + quoteLiteral(name) + ", " + quoteLiteral(streamTable) + ", __pgt_depth) ELSE true END OFFSET 0)";
}

/** The columns the SEARCH and CYCLE clauses of `cte` add, in the order PostgreSQL adds them. */
function clauseColumns(cte: PNode): string[] {
  const out: string[] = [];
  const search = cte.node("search_clause");
  if (search !== null) out.push(search.str("search_seq_column"));
  const cycle = cte.node("cycle_clause");
  if (cycle !== null) { out.push(cycle.str("cycle_mark_column")); out.push(cycle.str("cycle_path_column")); }
  return out;
}

/**
 * True when recursive term `s` reads the row of its reference `ref` whole (`ref` alone, not a
 * column of the CTE among `columns`) or through `*`: the depth column would be in it.
 */
function readsWholeRow(s: PNode, ref: string, columns: string[] | null): bool {
  const targets = nodeList(s, "targetList");
  for (let i = 0; i < targets.length; i++) {
    const target = targets[i];
    const value: PNode | null = target === null ? null : target.node("val");
    if (value !== null && value.tag == "ColumnRef" && isStar(value, 0)) return true;
  }
  const nodes = allNodes(s);
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    if (n.tag != "ColumnRef") continue;
    const fields = n.list("fields");
    const first = fields.length > 0 ? fields[0].asNode() : null;
    if (first === null || first.tag != "String" || first.str("sval") != ref) continue;
    if (fields.length == 2 && isStar(n, 1)) return true;
    if (fields.length == 1 && (columns === null || !columns.includes(ref))) return true;
  }
  return false;
}

/** True when field `index` of ColumnRef `n` is `*` and the last one. */
function isStar(n: PNode, index: i32): bool {
  const fields = n.list("fields");
  if (fields.length != index + 1) return false;
  const field = fields[index].asNode();
  return field !== null && field.tag == "A_Star";
}

/** The identifier token starting at `pos`, or null. */
function tokenAt(sql: string, pos: i32): Token | null {
  const token = new SqlScanner(sql, pos).next();
  if (token === null || token.start != pos || (token.kind != TokenKind.Word && token.kind != TokenKind.QuotedIdentifier)) return null;
  return token;
}

/** Where the body of the CTE whose name ends at `pos` starts: after the `(` that follows AS, or -1. */
function bodyOpening(sql: string, pos: i32): i32 {
  const level = new LevelScanner(sql, pos);
  let afterAs = false;
  for (let t = level.next(); t !== null; t = level.next()) {
    if (afterAs && t.kind == TokenKind.Open) return t.end;
    if (isKeyword(sql, t, "AS")) afterAs = true;
  }
  return -1;
}

/** The start of the last UNION ALL of the level of the body starting at `pos`, before `limit`, or -1. */
function lastUnion(sql: string, pos: i32, limit: i32): i32 {
  const level = new LevelScanner(sql, pos);
  let found = -1;
  for (let t = level.next(); t !== null && t.start < limit; t = level.next()) {
    if (isKeyword(sql, t, "ALL") && isKeyword(sql, level.previous, "UNION")) found = changetype<Token>(level.previous).start;
  }
  return found;
}

/** The start of the FROM that ends the select list whose last item starts at `pos`, or -1. */
function fromKeyword(sql: string, pos: i32): i32 {
  const level = new LevelScanner(sql, pos);
  for (let t = level.next(); t !== null; t = level.next()) {
    // IS [NOT] DISTINCT FROM is an operator, not the clause.
    if (isKeyword(sql, t, "FROM") && !isKeyword(sql, level.previous, "DISTINCT")) return t.start;
  }
  return -1;
}

/** Where the grouping items after `pos` (a FROM keyword) start: after GROUP BY [ALL | DISTINCT], or -1. */
function groupByEnd(sql: string, pos: i32): i32 {
  if (pos < 0) return -1;
  const level = new LevelScanner(sql, pos);
  for (let t = level.next(); t !== null; t = level.next()) {
    if (!isKeyword(sql, t, "BY") || !isKeyword(sql, level.previous, "GROUP")) continue;
    const next = level.next();
    return isKeyword(sql, next, "ALL") || isKeyword(sql, next, "DISTINCT") ? changetype<Token>(next).end : t.end;
  }
  return -1;
}
