/**
 * @fileoverview A subquery in FROM that groups — GROUP BY, aggregates, HAVING or DISTINCT — a
 * select list with window functions, and UNION ALL, read by the query around them like a source (a DerivedOperator): the current state
 * and the delta, a signed multiset of rows, of each branch. UNION ALL concatenates its
 * branches' states and deltas; a branch that only projects has its input's delta, projected.
 *
 * Delta rule: D = γ_G(X) over its input X (scans, filters, joins: operators/join.ts). A change
 * of X touches only the groups whose key G appears in ΔX, so with K = those keys
 *   ΔD = γ_G(σ_{G∈K} X₁) − γ_G(σ_{G∈K} X₀)
 * and every other group is the same in D₀ and D₁ (a relation that is only its set of keys, as
 * EXISTS and IN become, needs no group whole: see keySetDelta). σ_{G∈K} X₁ is read from the current state,
 * restricted by key (an index probe where the key has one). Its old state needs the actual rows,
 * for an aggregate of any kind: σ_{G∈K} X₀ = σ_{G∈K} X₁ ⊎ −ΔX, netted row by row (each distinct
 * row gets the sum of its multiplicities and is repeated that many times). HAVING is applied to
 * both sides, so a group crossing its threshold appears or disappears. A group whose row a
 * change leaves identical has no delta, where its key columns are outputs to find it by (else it
 * contributes +row −row, which the reading operator nets).
 *
 * Window functions (a Window branch: a select list with window functions over rows that are not
 * grouped) follow the same rule with G the partition keys every window shares: a window value
 * depends only on its partition's rows, so ΔD = W(σ_{P∈K} X₁) − W(σ_{P∈K} X₀) recomputes the
 * partitions a change touches (all rows when the windows share no key).
 *
 * NULL keys: a key with a NULL part matches by IS NOT DISTINCT FROM, as GROUP BY groups NULLs;
 * keys without NULLs match by `=`, which an index can serve.
 * Without GROUP BY (a scalar aggregate) the one group is affected by any change that does not
 * net to nothing row by row; its row always exists on both sides.
 *
 * Netting compares rows with their types' equality: an input column of a type without one (json,
 * point, ...) fails the refresh with PostgreSQL's error.
 */

import { Operator, OperatorKind, DistinctOperator, AggregateOperator, ProjectOperator, WindowOperator, DerivedOperator } from "../ir/operator-tree";
import { Expr } from "../ir/expr";
import { OutputColumn } from "../analyze/analyzed-query";
import { RenderContext, renderExpr, canonicalSql } from "../sqlgen/render-expression";

/**
 * The grouping part of a derived relation: keys, outputs and HAVING; for a Window branch, the
 * partition keys and outputs (no GROUP BY: every input row is an output row).
 */
class Grouping {
  keys: Expr[] = [];
  outputs: OutputColumn[] = [];
  having: Expr | null = null;
  grouped: bool = true;
  /** GROUPING SETS: one input group can give several rows. */
  sets: bool = false;

  constructor(branch: Operator) {
    if (branch.kind == OperatorKind.Window) {
      const top = branch as WindowOperator;
      this.outputs = top.outputs;
      this.keys = top.keys;
      this.grouped = false;
    } else if (branch.kind == OperatorKind.Distinct) {
      const top = branch as DistinctOperator;
      this.outputs = top.outputs;
      for (let i = 0; i < top.outputs.length; i++) this.keys.push(top.outputs[i].expr);
    } else {
      const top = branch as AggregateOperator;
      this.outputs = top.outputs;
      this.keys = top.keys;
      this.having = top.having;
      this.sets = top.groupingSets !== null;
    }
  }

  /** `SELECT <outputs AS names> FROM <from> [WHERE] GROUP BY <keys> [HAVING]`, expressions rendered in `ctx`. */
  select(names: string[], from: string, where: string, ctx: RenderContext, extraHaving: string): string {
    const list = outputList(this.outputs, names, ctx);
    if (!this.grouped) return "SELECT " + list.join(", ") + "\n  FROM " + from + where;
    const keys: string[] = [];
    for (let i = 0; i < this.keys.length; i++) keys.push(renderExpr(this.keys[i], ctx));
    const having: string[] = [];
    const h = this.having;
    if (h !== null) having.push("(" + renderExpr(h, ctx) + ")");
    if (extraHaving.length > 0) having.push(extraHaving);
    return "SELECT " + list.join(", ") + "\n  FROM " + from + where
      + (keys.length > 0 ? "\n  GROUP BY " + keys.join(", ") : "")
      + (having.length > 0 ? "\n  HAVING " + having.join(" AND ") : "");
  }
}

/** Whether `d` is an aggregate without GROUP BY: one row whatever its input (none if HAVING fails). */
export function isScalarAggregate(d: DerivedOperator): bool {
  if (d.branches.length != 1 || d.branches[0].kind != OperatorKind.Aggregate) return false;
  const a = d.branches[0] as AggregateOperator;
  return a.keys.length == 0 && a.groupingSets === null;
}

/** The keys a branch's delta recomputes by: its grouping or partition keys; none for a projection. */
export function groupingKeys(branch: Operator): Expr[] {
  return branch.kind == OperatorKind.Project ? [] : new Grouping(branch).keys;
}

/**
 * The outputs of a projection branch (UNION ALL) as `SELECT <lead><outputs AS names> FROM <from><where>`,
 * each row repeated as often as the branch's `copies` says (INTERSECT ALL, EXCEPT ALL).
 */
function projection(branch: ProjectOperator, names: string[], from: string, where: string, ctx: RenderContext, lead: string = ""): string {
  const copies = branch.copies;
  const repeated = copies === null ? from : from + ",\n       LATERAL generate_series(1, " + renderExpr(copies, ctx) + ") AS __pgt_copy";
  return "SELECT " + lead + outputList(branch.outputs, names, ctx).join(", ") + "\n  FROM " + repeated + where;
}

/** `<output> AS <name>` for each output, rendered in `ctx`. */
function outputList(outputs: OutputColumn[], names: string[], ctx: RenderContext): string[] {
  const list: string[] = [];
  for (let i = 0; i < outputs.length; i++) list.push(renderExpr(outputs[i].expr, ctx) + " AS " + names[i]);
  return list;
}

/**
 * D₁ of one branch over its input's current state (`from`, `where`, columns in `ctx`), its
 * columns named `names`. With `repeated`, a key set's keys are not made distinct: each input row
 * gives one (see isKeySet).
 */
export function derivedState(branch: Operator, names: string[], from: string, where: string, ctx: RenderContext, repeated: bool = false): string {
  if (branch.kind == OperatorKind.Project) return projection(branch as ProjectOperator, names, from, where, ctx);
  const g = new Grouping(branch);
  if (repeated) {
    assert(keySetOutputs(g).length > 0, "repeated keys of a relation that is not a key set");
    return "SELECT " + outputList(g.outputs, names, ctx).join(", ") + "\n  FROM " + from + where;
  }
  return g.select(names, from, where, ctx, "");
}

/**
 * Whether branch `branch` is only the set of its keys (see keySetOutputs): where only a key's
 * existence matters (an anti join), its keys need not be made distinct.
 */
export function isKeySet(branch: Operator): bool {
  if (branch.kind != OperatorKind.Distinct && branch.kind != OperatorKind.Aggregate) return false;
  return keySetOutputs(new Grouping(branch)).length > 0;
}

/**
 * ΔD of one branch as rows (__pgt_sign, its columns named `names`). `withDelta` defines
 * `__pgt_w`, the input's delta with its columns named `inputNames`, read through `w`; the
 * input's current state is `from` + `conditions` with its columns in `full` (spelled
 * `fullColumns`, in the order of `inputNames`); `r` reads the input's columns by their delta
 * names through alias `r`.
 */
export function derivedDelta(branch: Operator, names: string[], withDelta: string, inputNames: string[], w: RenderContext,
  from: string, conditions: string[], full: RenderContext, fullColumns: string[], r: RenderContext): string {
  // A projection branch of UNION ALL: its delta is its input's, projected row by row.
  if (branch.kind == OperatorKind.Project) {
    return withDelta + "\n" + projection(branch as ProjectOperator, names, "__pgt_w AS w", "", w, "w.__pgt_sign, ");
  }
  const g = new Grouping(branch);
  const keysW: string[] = [];
  const keysFull: string[] = [];
  const keyNames: string[] = [];
  for (let i = 0; i < g.keys.length; i++) {
    keysW.push(renderExpr(g.keys[i], w) + " AS __pgt_k" + (i + 1).toString());
    keysFull.push(renderExpr(g.keys[i], full));
    keyNames.push("__pgt_k" + (i + 1).toString());
  }
  const outputKeys = keySetOutputs(g);
  if (outputKeys.length > 0) return keySetDelta(outputKeys, names, withDelta, keyNames, keysW, keysFull, from, conditions);
  const rowList: string[] = [];
  for (let i = 0; i < inputNames.length; i++) rowList.push(fullColumns[i] + " AS " + inputNames[i]);
  const rowSelect = "SELECT " + (rowList.length > 0 ? rowList.join(", ") : "1 AS __pgt_none") + " FROM " + from + " WHERE ";
  const state = conditions.length > 0 ? conditions.join(" AND ") + " AND " : "";
  const cols = inputNames.length > 0 ? inputNames.join(", ") : "";
  let rows: string;
  if (g.keys.length == 0) {
    rows = rowSelect + state + "EXISTS (SELECT 1 FROM __pgt_c)";
  } else {
    // Keys without NULLs by `=` (indexable), keys with a NULL part by IS NOT DISTINCT FROM; the
    // second branch runs only when some affected key has a NULL part.
    const allSet: string[] = [];
    const anyNull: string[] = [];
    const same: string[] = [];
    for (let i = 0; i < keysFull.length; i++) {
      allSet.push(keysFull[i] + " IS NOT NULL");
      anyNull.push("k." + keyNames[i] + " IS NULL");
      same.push("k." + keyNames[i] + " IS NOT DISTINCT FROM " + keysFull[i]);
    }
    rows = rowSelect + state + "(" + keysFull.join(", ") + ") IN (SELECT " + keyNames.join(", ") + " FROM __pgt_k)"
      + "\n  UNION ALL\n" + rowSelect + state + "NOT (" + allSet.join(" AND ") + ")"
      + "\n    AND EXISTS (SELECT 1 FROM __pgt_k AS k WHERE " + anyNull.join(" OR ") + ")"
      + "\n    AND EXISTS (SELECT 1 FROM __pgt_k AS k WHERE " + same.join(" AND ") + ")";
  }
  // X₀ of the affected groups: X₁'s rows (+1) and ΔX's (−sign), netted per distinct row.
  const lead = cols.length > 0 ? cols + ", " : "";
  const netted = "SELECT " + lead + "sum(u.__pgt_m) AS __pgt_m FROM (SELECT " + lead + "1 AS __pgt_m FROM __pgt_r"
    + " UNION ALL SELECT " + lead + "-__pgt_sign FROM __pgt_w) AS u" + (cols.length > 0 ? " GROUP BY " + cols : "");
  const oldRows = "SELECT " + (cols.length > 0 ? prefixed("n.", inputNames).join(", ") : "1 AS __pgt_none") + " FROM (" + netted
    + ") AS n CROSS JOIN LATERAL generate_series(1, n.__pgt_m) WHERE n.__pgt_m > 0";
  // A scalar aggregate's one row exists before and after; it is affected only when ΔX, netted
  // per distinct row, is not empty (__pgt_c): an UPDATE of columns the input does not read is
  // −row +row there (TPC-H Q22's customers changing nation, under its average balance).
  const affected = g.keys.length == 0 ? "EXISTS (SELECT 1 FROM __pgt_c)" : "";
  const ctes = withDelta + ",\n"
    + (g.keys.length > 0 ? "__pgt_k AS (SELECT DISTINCT " + keysW.join(", ") + " FROM __pgt_w AS w),\n"
      : "__pgt_c AS (SELECT 1 FROM __pgt_w" + (cols.length > 0 ? " GROUP BY " + cols : "") + " HAVING sum(__pgt_sign) <> 0 LIMIT 1),\n")
    + "__pgt_r AS MATERIALIZED (\n" + rows + "\n),\n__pgt_o AS (\n" + oldRows + "\n)";
  const fresh = g.select(names, "__pgt_r AS r", "", r, affected);
  const stale = g.select(names, "__pgt_o AS r", "", r, affected);
  if (g.keys.length == 0 && g.grouped) {
    // A scalar aggregate, at most one row on each side: when a change leaves it as it was, no
    // delta at all (the row would otherwise leave and come back in every term that joins it, e.g.
    // a NOT IN's row counts). Not for a window without PARTITION BY: its rows are a multiset,
    // which NOT EXISTS would compare as a set.
    return ctes + ",\n__pgt_new AS (" + fresh + "),\n__pgt_old AS (" + stale + ")"
      + "\nSELECT 1 AS __pgt_sign, q.* FROM __pgt_new AS q WHERE NOT EXISTS (SELECT 1 FROM __pgt_old AS p WHERE p *= q)"
      + "\nUNION ALL\nSELECT -1, q.* FROM __pgt_old AS q WHERE NOT EXISTS (SELECT 1 FROM __pgt_new AS p WHERE p *= q)";
  }
  const keyed = g.grouped && !g.sets ? keyOutputs(g, names) : [];
  if (keyed.length > 0) {
    // One row per group on each side: a group whose row a change left as it was (identical,
    // `*=`, found through its key columns) has no delta. An IN or EXISTS reads such relations
    // (TPC-H Q18, Q22), and most of a change's groups keep their row there.
    const same: string[] = [];
    for (let i = 0; i < keyed.length; i++) same.push("p." + keyed[i] + " = q." + keyed[i]);
    const match = same.join(" AND ") + " AND p *= q";
    return ctes + ",\n__pgt_new AS MATERIALIZED (" + fresh + "),\n__pgt_old AS MATERIALIZED (" + stale + ")"
      + "\nSELECT 1 AS __pgt_sign, q.* FROM __pgt_new AS q WHERE NOT EXISTS (SELECT 1 FROM __pgt_old AS p WHERE " + match + ")"
      + "\nUNION ALL\nSELECT -1, q.* FROM __pgt_old AS q WHERE NOT EXISTS (SELECT 1 FROM __pgt_new AS p WHERE " + match + ")";
  }
  return ctes + "\nSELECT 1 AS __pgt_sign, q.* FROM (" + fresh + ") AS q"
    + "\nUNION ALL\nSELECT -1, q.* FROM (" + stale + ") AS q";
}

/**
 * For a relation that is only the set of its keys (`SELECT DISTINCT k`, `SELECT k ... GROUP BY k`
 * without aggregates or HAVING: what an EXISTS or IN over a table is rewritten to), which key
 * each output is (0-based); empty for any other relation.
 */
function keySetOutputs(g: Grouping): i32[] {
  if (!g.grouped || g.sets || g.having !== null || g.keys.length == 0) return [];
  const keys: string[] = [];
  for (let k = 0; k < g.keys.length; k++) keys.push(canonicalSql(g.keys[k]));
  const out: i32[] = [];
  for (let i = 0; i < g.outputs.length; i++) {
    const k = keys.indexOf(canonicalSql(g.outputs[i].expr));
    if (k < 0) return [];
    out.push(k);
  }
  for (let k = 0; k < keys.length; k++) if (!out.includes(k)) return [];
  return out;
}

/**
 * ΔD of a key set (see keySetOutputs), without reading any group whole. A key is in D when X has
 * a row with it. With s the sum of ΔX's signs for the key and c its rows in X₁, X₀ has c − s of
 * them, so it is in D₁ when c > 0 and in D₀ when c > s. Counting up to s + 1 rows of X₁ (one,
 * when s ≤ 0: an index probe) tells both: with n = min(c, max(s, 0) + 1), the key enters when
 * 0 < n ≤ s and leaves when n = 0 > s. `outputKeys` says which key each output is; the keys are
 * named `keyNames`, spelled `keysW` over the delta (`AS <name>`) and `keysFull` over the current
 * state `from` + `conditions`.
 */
function keySetDelta(outputKeys: i32[], names: string[], withDelta: string, keyNames: string[], keysW: string[], keysFull: string[],
  from: string, conditions: string[]): string {
  const equal: string[] = [];
  const same: string[] = [];
  const anyNull: string[] = [];
  for (let i = 0; i < keysFull.length; i++) {
    const k = "k." + keyNames[i];
    equal.push(keysFull[i] + " = " + k);
    same.push(keysFull[i] + " IS NOT DISTINCT FROM " + k);
    anyNull.push(k + " IS NULL");
  }
  const state = conditions.length > 0 ? conditions.join(" AND ") + " AND " : "";
  const outputs: string[] = [];
  for (let i = 0; i < outputKeys.length; i++) outputs.push("e." + keyNames[outputKeys[i]] + " AS " + names[i]);
  const list = outputs.join(", ");
  // Keys without NULLs match by `=`, which an index can serve; GROUP BY puts NULLs together.
  return withDelta + ",\n__pgt_k AS (SELECT " + keysW.join(", ") + ", sum(w.__pgt_sign) AS __pgt_s FROM __pgt_w AS w GROUP BY "
    + keyNames.join(", ") + "),\n__pgt_e AS MATERIALIZED (SELECT k.*, CASE WHEN " + anyNull.join(" OR ") + " THEN " + limitedCount(from, state, same)
    + " ELSE " + limitedCount(from, state, equal) + " END AS __pgt_n FROM __pgt_k AS k)"
    + "\nSELECT 1 AS __pgt_sign, " + list + " FROM __pgt_e AS e WHERE e.__pgt_n > 0 AND e.__pgt_n <= e.__pgt_s"
    + "\nUNION ALL\nSELECT -1, " + list + " FROM __pgt_e AS e WHERE e.__pgt_n = 0 AND e.__pgt_s < 0";
}

/** The rows of the current state matching `match`, counted up to one more than the key's sum of signs. */
function limitedCount(from: string, state: string, match: string[]): string {
  return "(SELECT count(*) FROM (SELECT 1 FROM " + from + " WHERE " + state + match.join(" AND ")
    + " LIMIT GREATEST(k.__pgt_s, 0) + 1) AS __pgt_x)";
}

/** The names of the outputs that are grouping keys: together they tell a group's row apart. Empty unless every key is an output. */
function keyOutputs(g: Grouping, names: string[]): string[] {
  const out: string[] = [];
  for (let k = 0; k < g.keys.length; k++) {
    const key = canonicalSql(g.keys[k]);
    let found = -1;
    for (let i = 0; i < g.outputs.length && found < 0; i++) if (canonicalSql(g.outputs[i].expr) == key) found = i;
    if (found < 0) return [];
    if (!out.includes(names[found])) out.push(names[found]);
  }
  return out;
}

function prefixed(prefix: string, names: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < names.length; i++) out.push(prefix + names[i]);
  return out;
}
