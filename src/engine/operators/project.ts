/**
 * @fileoverview Projection π (bag semantics): SELECT <exprs> FROM <tables and joins> WHERE p.
 *
 * Delta rule: Δ(πR) = π(ΔR); expressions are evaluated on old images for − rows and on new images
 * for + rows (they are non-volatile, so an image always projects to the same row).
 *
 * Row identity, two cases:
 * - Keyed (one source table with a primary key, at most one filter): a result row is identified by the key of the source row
 *   it came from, stored in visible or hidden `__pgt_key_*` columns. Each key has at most one row
 *   in R₀ and in R₁, so netting per key reduces to "the last image in seq order": a key whose last
 *   image is an insert that passes p is upserted, any other key seen in the window is deleted.
 *   Changes to the key itself arrive as a delete of the old key and an insert of the new one.
 * - Counted (a source without a primary key, or joins, whose signed delta rows come from
 *   operators/join.ts): duplicates are real, so a result row is identified by its values. The delta is
 *   summed per distinct row (insert and delete of equal rows cancel); a net +n inserts n copies,
 *   a net −n deletes n stored copies (by ctid). NULLs compare equal (IS NOT DISTINCT FROM).
 * The `__pgt_row_id` column is a hash of the identity used only to find candidates through its
 * index; equality of the identity columns themselves decides every match.
 */

import { ProjectOperator, ScanOperator, predicateOf } from "../ir/operator-tree";
import { ColumnExpr, ExprKind } from "../ir/expr";
import { AliasContext, renderExpr } from "../sqlgen/render-expression";
import { quoteIdent } from "../sqlgen/quote";
import { windowSelect, sourceFrom, DeltaSource } from "./scan";
import { whereClause, passesFilter } from "./filter";
import { MaintenancePlan, Statement, Counting } from "../refresh/statement";
import { mergeCounts, rowIdOf, lockDeltaRows } from "./shared";
import { InputRelation } from "./join";
import { typeOf, hashCastOf, comparedAsText } from "../analyze/typed-null";

/**
 * The plan for a projection over a source with a primary key, its delta read from `delta`. It
 * needs no lock for concurrent IMMEDIATE writers: the source's own key already serialises two
 * writers of one key, and so of one stream-table row.
 */
export function compileKeyedProjection(op: ProjectOperator, scan: ScanOperator, storage: string, returning: bool, delta: DeltaSource = DeltaSource.Buffer): MaintenancePlan {
  const predicate = predicateOf(op);
  const plan = new MaintenancePlan();
  const src = new AliasContext("__pgt_src");
  const v = new AliasContext("v");

  // Each key column is stored once: in a visible column that is exactly that column, else hidden.
  const keyColumns: string[] = [];
  for (let k = 0; k < scan.source.primaryKey.length; k++) {
    const key = scan.source.primaryKey[k];
    let stored = "__pgt_key_" + (k + 1).toString();
    for (let i = 0; i < op.outputs.length; i++) {
      const e = op.outputs[i].expr;
      if (e.kind == ExprKind.Column && (e as ColumnExpr).column == key) { stored = op.outputs[i].name; break; }
    }
    keyColumns.push(stored);
  }

  const fullCols: string[] = [];
  const deltaCols: string[] = [];
  for (let i = 0; i < op.outputs.length; i++) {
    const name = quoteIdent(op.outputs[i].name);
    plan.columns.push(op.outputs[i].name);
    fullCols.push(renderExpr(op.outputs[i].expr, src) + " AS " + name);
    deltaCols.push("CASE WHEN v.__pgt_live THEN " + renderExpr(op.outputs[i].expr, v) + " END AS " + name);
  }
  const keyFull: string[] = [];
  const keyDelta: string[] = [];
  for (let k = 0; k < keyColumns.length; k++) {
    const sourceKey = quoteIdent(scan.source.primaryKey[k]);
    keyFull.push("__pgt_src." + sourceKey);
    keyDelta.push("v." + sourceKey);
    if (keyColumns[k].startsWith("__pgt_key_")) {
      plan.columns.push(keyColumns[k]);
      fullCols.push("__pgt_src." + sourceKey + " AS " + quoteIdent(keyColumns[k]));
    }
    deltaCols.push("v." + sourceKey + " AS " + quoteIdent("__pgt_dk_" + (k + 1).toString()));
  }
  plan.columns.push("__pgt_row_id");
  fullCols.push(rowIdOf(keyFull) + " AS __pgt_row_id");
  deltaCols.push(rowIdOf(keyDelta) + " AS __pgt_row_id");
  deltaCols.push("v.__pgt_live");

  plan.fullSelect = "SELECT " + fullCols.join(",\n       ") + "\n  FROM " + sourceFrom(scan, "__pgt_src") + whereClause(predicate, src);

  const sourceKeys: string[] = [];
  for (let k = 0; k < scan.source.primaryKey.length; k++) sourceKeys.push("l." + quoteIdent(scan.source.primaryKey[k]));
  const on: string[] = ["st.__pgt_row_id = d.__pgt_row_id"];
  const setList: string[] = [];
  const insertCols: string[] = [];
  const insertVals: string[] = [];
  const oldImage: string[] = [];
  const newImage: string[] = [];
  for (let k = 0; k < keyColumns.length; k++) on.push("st." + quoteIdent(keyColumns[k]) + " = d.__pgt_dk_" + (k + 1).toString());
  for (let i = 0; i < plan.columns.length; i++) {
    const c = quoteIdent(plan.columns[i]);
    const value = plan.columns[i].startsWith("__pgt_key_") ? "d.__pgt_dk_" + plan.columns[i].substring(10) : "d." + c;
    insertCols.push(c);
    insertVals.push(value);
    setList.push(c + " = " + value);
    oldImage.push("st." + c);
    newImage.push(value);
  }
  // A key none of whose images passes the filter is absent before and after: skip it early.
  let relevant = "";
  if (predicate !== null) {
    const candidateKeys: string[] = [];
    for (let k = 0; k < scan.source.primaryKey.length; k++) candidateKeys.push("c." + quoteIdent(scan.source.primaryKey[k]));
    relevant = "\n  WHERE (" + sourceKeys.join(", ") + ") IN (SELECT " + candidateKeys.join(", ") + " FROM __pgt_w AS c\n"
      + "    WHERE " + passesFilter(predicate, new AliasContext("c")) + ")";
  }
  const sql = "WITH __pgt_w AS (\n" + windowSelect(scan, delta) + "\n),\n"
    + "__pgt_last AS (\n  SELECT DISTINCT ON (" + sourceKeys.join(", ") + ") l.*\n  FROM __pgt_w AS l" + relevant + "\n  ORDER BY "
    + sourceKeys.join(", ") + ", l.__pgt_seq DESC\n),\n"
    + "__pgt_live AS (\n  SELECT l.*, (l.__pgt_sign > 0 AND " + passesFilter(predicate, new AliasContext("l")) + ") AS __pgt_live\n  FROM __pgt_last AS l\n),\n"
    + "__pgt_d AS (\n  SELECT " + deltaCols.join(",\n         ") + "\n  FROM __pgt_live AS v\n)";
  const merge = "MERGE INTO " + storage + " AS st\nUSING __pgt_d AS d\n  ON " + on.join(" AND ")
    + "\nWHEN MATCHED AND NOT d.__pgt_live THEN DELETE"
    // Binary image comparison: NULLs compare equal, and types without an equality operator work.
    + "\nWHEN MATCHED AND (ROW(" + oldImage.join(", ") + "))::record *<> (ROW(" + newImage.join(", ") + "))::record THEN\n  UPDATE SET " + setList.join(", ")
    + "\nWHEN NOT MATCHED AND d.__pgt_live THEN\n  INSERT (" + insertCols.join(", ") + ")\n  VALUES (" + insertVals.join(", ") + ")";
  plan.differential.push(mergeCounts(sql, merge, returning));
  return plan;
}

/**
 * The plan for a projection whose rows are identified by value, with duplicates: over a source
 * without a primary key, or over joins (see operators/join.ts for `input`). Concurrent IMMEDIATE writers lock the values their
 * delta touches first (plan.lock): two of them deleting one copy each of a value would otherwise
 * both pick the same stored copy.
 */
export function compileCountedProjection(op: ProjectOperator, storage: string, input: InputRelation, scans: ScanOperator[]): MaintenancePlan {
  const plan = new MaintenancePlan();
  const src = input.fullContext;
  const w = input.deltaContext;

  const fullCols: string[] = [];
  const deltaCols: string[] = [];
  const names: string[] = [];
  const groupPositions: string[] = [];
  const qCols: string[] = [];
  const casts: string[] = [];
  const asText: bool[] = [];
  for (let i = 0; i < op.outputs.length; i++) {
    const name = quoteIdent(op.outputs[i].name);
    plan.columns.push(op.outputs[i].name);
    names.push(name);
    qCols.push("q." + name);
    fullCols.push(renderExpr(op.outputs[i].expr, src) + " AS " + name);
    const type = typeOf(op.outputs[i].expr, scans);
    casts.push(hashCastOf(type));
    asText.push(comparedAsText(type));
    // A type without an equality (json) is grouped and matched by its text.
    const value = renderExpr(op.outputs[i].expr, w);
    deltaCols.push((asText[i] ? "any_value(" + value + ")" : value) + " AS " + name);
    groupPositions.push(asText[i] ? "(" + value + ")::text" : (i + 1).toString());
  }
  plan.columns.push("__pgt_row_id");
  // A row standing for several copies (INTERSECT ALL, EXCEPT ALL) is stored that often, and its delta counts that often.
  const copies = op.copies;
  const fullFrom = copies === null ? input.fullFrom
    : input.fullFrom + ",\n               LATERAL generate_series(1, " + renderExpr(copies, src) + ") AS __pgt_copy";
  const deltaCount = copies === null ? "sum(w.__pgt_sign)" : "sum(w.__pgt_sign * (" + renderExpr(copies, w) + "))";
  plan.fullSelect = "SELECT q.*, " + rowIdOf(qCols, casts) + " AS __pgt_row_id\n  FROM (SELECT " + fullCols.join(", ")
    + "\n          FROM " + fullFrom + input.fullWhere + ") AS q";

  const same: string[] = ["s2.__pgt_row_id = n.__pgt_row_id"];
  const insertVals: string[] = [];
  for (let i = 0; i < names.length; i++) {
    same.push(asText[i] ? "(s2." + names[i] + ")::text IS NOT DISTINCT FROM (n." + names[i] + ")::text"
      : "s2." + names[i] + " IS NOT DISTINCT FROM n." + names[i]);
    insertVals.push("d." + names[i]);
  }
  const withSql = input.withDelta + ",\n"
    + "__pgt_d AS MATERIALIZED (\n  SELECT q.*, " + rowIdOf(qCols, casts) + " AS __pgt_row_id\n  FROM (SELECT " + deltaCols.join(", ")
    + ", " + deltaCount + " AS __pgt_count\n        FROM __pgt_w AS w"
    + "\n        GROUP BY " + groupPositions.join(", ") + "\n        HAVING " + deltaCount + " <> 0) AS q\n)";
  const sql = withSql + ",\n"
    + "__pgt_del AS (\n  DELETE FROM " + storage + " AS st\n  USING (SELECT x.tid FROM (SELECT * FROM __pgt_d WHERE __pgt_count < 0) AS n\n"
    + "         CROSS JOIN LATERAL (SELECT s2.ctid AS tid FROM " + storage + " AS s2\n"
    + "                             WHERE " + same.join(" AND ") + "\n                             LIMIT -n.__pgt_count) AS x) AS z\n"
    + "  WHERE st.ctid = z.tid\n  RETURNING 1\n),\n"
    + "__pgt_ins AS (\n  INSERT INTO " + storage + " (" + names.join(", ") + ", __pgt_row_id)\n  SELECT " + insertVals.join(", ")
    + ", d.__pgt_row_id\n  FROM __pgt_d AS d CROSS JOIN LATERAL generate_series(1, d.__pgt_count)\n  WHERE d.__pgt_count > 0\n  RETURNING 1\n)\n"
    + "SELECT (SELECT count(*) FROM __pgt_ins), (SELECT count(*) FROM __pgt_del)";
  for (let i = 0; i < input.prepare.length; i++) plan.differential.push(input.prepare[i]);
  plan.differential.push(new Statement(sql, Counting.Returned));
  for (let i = 0; i < input.cleanup.length; i++) plan.differential.push(input.cleanup[i]);
  plan.lock = lockDeltaRows(withSql);
  return plan;
}
