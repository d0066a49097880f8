/**
 * @fileoverview The relational part of a query — scans, filters and joins — as SQL: its current
 * state (for FULL refresh) and its delta, a signed multiset of rows (for DIFFERENTIAL refresh).
 *
 * Notation (../shared/DVM_NOTES.md): X₁ is a subtree's state under the refresh snapshot, X₀ its
 * state at the frontier, ΔX = X₁ − X₀ signed. Signs multiply through joins.
 *
 * Scan:    ΔR = the buffer window (operators/scan.ts); R₁ = the table itself.
 * Filter:  Δ(σₚX) = σₚ(ΔX), with its sign.
 * Inner:   Δ(L ⋈ R) = ΔL ⋈ R₀ ⊎ L₁ ⋈ ΔR, where R₀ = R₁ ⊎ −ΔR (signed, never a
 *          reconstruction): ΔL ⋈ R₀ = ΔL ⋈ R₁ ⊎ −(ΔL ⋈ ΔR). The delta drives every term and the
 *          other side is probed through the join condition, so a term costs in proportion to its
 *          delta. A term already driven by two deltas is small; it splits the same way while a
 *          budget lasts (MAX_SPLITS), then reads R₀ as one union item: n joins give at most
 *          O(n²) + MAX_SPLITS terms, not 2ⁿ.
 * Left:    L ⟕ R = (L ⋈ R) ⊎ pad(L ▷ R), where L ▷ R are the rows of L without a match in R.
 *          Δ(L ▷ R) = ΔL ▷ R₁ ⊎ (L₀ ▷ R₁ − L₀ ▷ R₀). The second part concerns only rows of
 *          L₀ = L₁ ⊎ −ΔL that some row of ΔR matches (no other row's matches changed): with
 *          c₁ = its matches in R₁ and c₀ = c₁ − Σ sign of its matches in ΔR, it gains its padded
 *          row when c₀ > 0 = c₁ and loses it when c₀ = 0 < c₁. Under an equi-join ΔR's signs are
 *          summed per join key once (groupedDelta), not per row of L.
 * Right:   the mirror of Left. Full: the inner part and both padded parts.
 *
 * Row identity: the delta is a multiset of whole rows (duplicates, NULLs and keyless sources
 * included) — the consumer (a projection with counts, or an aggregate) nets it. NULL join keys
 * never match, exactly as SQL's `=` says, because every term evaluates the query's own condition.
 * An UPDATE is −old +new in ΔR, so a key changing on both sides within one window is two
 * independent signed changes, and the bilinear terms cancel what must cancel.
 *
 * SQL shape: every term is one flat FROM list with a WHERE clause (inner joins are commas plus
 * conditions), so PostgreSQL plans each term whole, starting from its delta. The delta of a
 * base scan is a CTE read by several terms; the delta of a larger subtree becomes a CTE only
 * where a rule needs it as one relation (R₀ of a subtree, the matches of an outer join).
 */

import { ScanOperator, Operator, OperatorKind, FilterOperator, JoinOperator, JoinType, scansOf, DerivedOperator, DistinctOperator, AggregateOperator, isDerived, isLateralFunction, inputOf } from "../ir/operator-tree";
import { ColumnExpr, Expr, ExprKind, BoolExpr, OperatorExpr, NullTestExpr, columnRefs, childExpressions, conjunctsOf } from "../ir/expr";
import { RenderContext, renderExpr, canonicalSql } from "../sqlgen/render-expression";
import { quoteIdent } from "../sqlgen/quote";
import { windowSelect, sourceFrom, sourceKey, DeltaSource } from "./scan";
import { Statement } from "../refresh/statement";
import { derivedState, derivedDelta, groupingKeys, isScalarAggregate, isKeySet } from "./derived";

/** How one piece of SQL spells the columns of the scans it covers. */
export class ColumnMap extends RenderContext {
  keys: string[] = [];
  sqls: string[] = [];

  set(rel: i32, column: string, sql: string): void {
    const key = rel.toString() + ":" + column;
    const at = this.keys.indexOf(key);
    if (at >= 0) this.sqls[at] = sql;
    else { this.keys.push(key); this.sqls.push(sql); }
  }

  column(c: ColumnExpr): string {
    const at = this.keys.indexOf(c.rel.toString() + ":" + c.column);
    assert(at >= 0, "column outside its relation");
    return this.sqls[at];
  }

  /** This map plus every entry of `other`. */
  with(other: ColumnMap): ColumnMap {
    const out = new ColumnMap();
    out.keys = this.keys.concat(other.keys);
    out.sqls = this.sqls.concat(other.sqls);
    return out;
  }
}

/**
 * A relation as SQL pieces: a FROM list (`from`, one item or a comma list), conditions on it
 * (`where`), the sign of each row ("1" when unsigned) and where its columns are.
 */
export class Piece {
  /** The scans (rels) whose deltas the term reads in a way that makes it empty when they are empty. */
  needs: i32[] = [];

  constructor(public from: string, public where: string[], public sign: string, public cols: ColumnMap,
    /** A delta term driven by two or more deltas: small, so it may read old states as unions. */
    public small: bool = false) {}

  /** This piece, needing also `more`. */
  needing(more: i32[]): Piece {
    for (let i = 0; i < more.length; i++) if (!this.needs.includes(more[i])) this.needs.push(more[i]);
    return this;
  }
}

/** Every column every scan under `op` reads, in scan order. */
export function columnsOf(op: Operator): ColumnExpr[] {
  const out: ColumnExpr[] = [];
  const scans = scansOf(op);
  for (let s = 0; s < scans.length; s++) {
    for (let i = 0; i < scans[s].columns.length; i++) out.push(new ColumnExpr(scans[s].rel, scans[s].columns[i]));
  }
  return out;
}

/** The scans whose delta the delta of `op` needs: the scan itself, none for a larger subtree (conservative). */
function deltaNeeds(op: Operator): i32[] {
  return op.kind == OperatorKind.Scan && !isDerived(op as ScanOperator) ? [(op as ScanOperator).rel] : [];
}

/** The name of scan column `column` of `scan` in CTEs and the delta relation. */
export function deltaColumn(scan: ScanOperator, column: string): string {
  return "c" + scan.rel.toString() + "_" + scan.columns.indexOf(column).toString();
}

function times(a: string, b: string): string {
  if (a == "1") return b;
  if (b == "1") return a;
  return "(" + a + " * " + b + ")";
}

function negate(a: string): string {
  return a == "1" ? "-1" : "(-" + a + ")";
}

function conjunction(conditions: string[]): string {
  return conditions.length == 0 ? "true" : conditions.join("\n    AND ");
}

/**
 * How many small terms may split into R₁ and −ΔR (each split adds a term; unbounded, n joins
 * would give 2ⁿ terms). Refreshes leave out the terms of sources without changes, so most of
 * them are never planned.
 */
const MAX_SPLITS: i32 = 48;

/** The markers around each term of a delta relation (see JoinCompiler.union). */
export const TERM_START = "/*pgt:term needs=";
export const TERM_END = "/*pgt:end*/";

/** Builds the state and delta SQL of one FROM tree; the CTEs it needs accumulate in `ctes`. */
export class JoinCompiler {
  ctes: string[] = [];
  /** Statements filling the temporary tables of the scans' deltas, run before the delta statement. */
  prepare: Statement[] = [];
  /** Those temporary tables, dropped after it. */
  cleanup: string[] = [];
  /** Small terms split so far (see terms): each adds a term; beyond MAX_SPLITS they read unions instead. */
  private splits: i32 = 0;
  private cteOps: Operator[] = [];
  private cteNames: string[] = [];
  private aliases: i32 = 0;

  /** Per scan (rel): a condition its delta table keeps only rows passing (see pushDownRestrictions), or null. */
  restrictions: Array<Expr | null> = [];

  /** The scan columns a join condition or filter predicate reads, as "rel:column" (see deltaCte). */
  private conditionColumns: string[] = [];

  /**
   * While rendering a state whose rows are read only for some keys — a derived relation's input
   * for its affected groups (see relation), a term's other side (see keyed) — the scans those keys
   * read. A grouping relation joined to those scans on its own keys is then probed row by row
   * (see probedRight).
   */
  private keyRels: i32[] = [];

  /** Whether what is rendered now goes into the statement this compiler's CTEs head (set by relation): states may then be CTEs of their own (scalarCte). */
  private statement: bool = false;
  private scalarCtes: string[] = [];

  /** `tables`: scan deltas from change buffers go to temporary tables (see deltaCte). */
  constructor(public scans: ScanOperator[], public delta: DeltaSource, public tables: bool = false) {
    for (let i = 0; i < scans.length; i++) this.restrictions.push(null);
  }

  /** Records the columns the conditions of the tree `op` read (see deltaCte). */
  private noteConditions(op: Operator): void {
    if (op.kind == OperatorKind.Scan) return;
    if (op.kind == OperatorKind.Filter) {
      this.noteColumns((op as FilterOperator).predicate);
      this.noteConditions((op as FilterOperator).input);
      return;
    }
    const j = op as JoinOperator;
    if (j.condition !== null) this.noteColumns(changetype<Expr>(j.condition));
    this.noteConditions(j.left);
    this.noteConditions(j.right);
  }

  private noteColumns(e: Expr): void {
    const refs = columnRefs(e);
    for (let i = 0; i < refs.length; i++) {
      const key = refs[i].rel.toString() + ":" + refs[i].column;
      if (!this.conditionColumns.includes(key)) this.conditionColumns.push(key);
    }
  }

  /** Keeps only rows of scan `rel`'s delta table that pass `condition` too. */
  restrict(rel: i32, condition: Expr): void {
    const current = this.restrictions[rel];
    this.restrictions[rel] = current === null ? condition : new BoolExpr("AND", [changetype<Expr>(current), condition]);
  }

  /** A scan column's name in delta tables, CTEs and the delta relation. */
  private nameOf(c: ColumnExpr): string {
    return deltaColumn(this.scans[c.rel], c.column);
  }

  private alias(): string {
    this.aliases++;
    return "__pgt_x" + this.aliases.toString();
  }

  /** X₁: the subtree read under the refresh snapshot. `from` is one FROM item. */
  state(op: Operator): Piece {
    if (op.kind == OperatorKind.Scan) {
      const scan = op as ScanOperator;
      const alias = scanAlias(scan);
      if (!isDerived(scan)) return new Piece(sourceFrom(scan, alias), [], "1", scanColumns(scan, alias));
      const d = changetype<DerivedOperator>(scan);
      if (this.statement && isScalarAggregate(d)) return new Piece(this.scalarCte(d) + " AS " + alias, [], "1", scanColumns(scan, alias));
      return new Piece("(" + this.derivedState(d) + ") AS " + alias, [], "1", scanColumns(scan, alias));
    }
    if (op.kind == OperatorKind.Filter) {
      const f = op as FilterOperator;
      const inner = this.keyLeftJoins(f.input, nullTested(f.predicate));
      return new Piece(inner.from, inner.where.concat([renderExpr(f.predicate, inner.cols)]), "1", inner.cols);
    }
    const j = op as JoinOperator;
    if (isLateralFunction(j.right)) {
      const l = this.state(j.left);
      const f = this.functionItem(j, l.cols);
      return new Piece("(" + l.from + " CROSS JOIN " + f.from + ")", l.where.concat(f.where), "1", f.cols);
    }
    let l = this.state(j.left);
    const probe = this.probedRight(j, l);
    if (probe !== null) return probe;
    let r = this.state(j.right);
    // A filter pending on a side can rise above an inner join and above the preserved side of
    // an outer join; on the nullable side it joins the ON condition; FULL needs both sides whole.
    if (j.joinType == JoinType.Full) {
      l = this.wrap(l, j.left);
      r = this.wrap(r, j.right);
    }
    const cols = l.cols.with(r.cols);
    const on: string[] = [j.condition === null ? "true" : renderExpr(changetype<Expr>(j.condition), cols)];
    let where: string[] = [];
    if (j.joinType == JoinType.Inner) where = l.where.concat(r.where);
    else if (j.joinType == JoinType.Left) { where = l.where; for (let i = 0; i < r.where.length; i++) on.push(r.where[i]); }
    else if (j.joinType == JoinType.Right) { where = r.where; for (let i = 0; i < l.where.length; i++) on.push(l.where[i]); }
    const keyword = j.joinType == JoinType.Inner ? " JOIN " : j.joinType == JoinType.Left ? " LEFT JOIN "
      : j.joinType == JoinType.Right ? " RIGHT JOIN " : " FULL JOIN ";
    return new Piece("(" + l.from + keyword + r.from + " ON " + on.join(" AND ") + ")", where, "1", cols);
  }

  /**
   * X₁ of `op`, the input of a filter whose conjuncts include `column IS NULL` for each of
   * `tested`. A NOT EXISTS is a left join to a key set D (`SELECT DISTINCT k`) and such a test of
   * D's key; where the join equates that key (`D.k = x`: a matched row's key is not
   * NULL), the filter drops every matched row, so D's keys need not be distinct: the left joins
   * down `op`'s left spine read D's rows as they come. PostgreSQL then plans an anti join over
   * S itself instead of first grouping it whole (TPC-H Q22: hashing 1.5 million orders by
   * customer took 300 ms of a 480 ms FULL refresh). Not where the state is read for keys (see
   * keyRels): D is probed there.
   */
  private keyLeftJoins(op: Operator, tested: ColumnExpr[]): Piece {
    if (tested.length == 0 || this.keyRels.length > 0 || op.kind != OperatorKind.Join) return this.state(op);
    const j = op as JoinOperator;
    if (j.joinType != JoinType.Left || j.right.kind != OperatorKind.Scan || !isDerived(j.right as ScanOperator)) return this.state(op);
    const d = changetype<DerivedOperator>(j.right);
    if (d.branches.length != 1 || !isKeySet(d.branches[0]) || !equatesTested(j.condition, d.rel, tested)) return this.state(op);
    const l = this.keyLeftJoins(j.left, tested);
    const alias = scanAlias(d);
    const cols = l.cols.with(scanColumns(d, alias));
    return new Piece("(" + l.from + " LEFT JOIN (" + this.derivedState(d, [], [], true) + ") AS " + alias
      + " ON " + renderExpr(changetype<Expr>(j.condition), cols) + ")", l.where, "1", cols);
  }

  /**
   * The CTE holding the state of the scalar aggregate `d` (its row), defined once per
   * statement: it is read in every term that joins a change of another relation, and as a subquery
   * in FROM it would be computed again in each (TPC-H Q22's average balance, five times).
   */
  private scalarCte(d: DerivedOperator): string {
    const name = "__pgt_v" + d.rel.toString();
    if (!this.scalarCtes.includes(name)) {
      this.scalarCtes.push(name);
      this.ctes.push(name + " AS MATERIALIZED (\n" + this.derivedState(d) + "\n)");
    }
    return name;
  }

  /**
   * The rows of a derived relation as a SELECT, its columns named as the relation's: its branches'
   * states, concatenated. `keys` (expressions over a one-branch relation's input) equal to
   * `values` (SQL) keep only the groups with those keys (see probed); `repeated` reads a key set's
   * keys once per input row, not made distinct (see keyLeftJoins).
   */
  private derivedState(d: DerivedOperator, keys: Expr[] = [], values: string[] = [], repeated: bool = false): string {
    if (d.isConstant) return d.values;
    const parts: string[] = [];
    for (let i = 0; i < d.branches.length; i++) {
      const input = new JoinCompiler(this.scans, this.delta).state(inputOf(d.branches[i]));
      const conditions = input.where.slice(0);
      for (let k = 0; k < keys.length; k++) conditions.push(renderExpr(keys[k], input.cols) + " = " + values[k]);
      const where = conditions.length > 0 ? "\n  WHERE " + conjunction(conditions) : "";
      parts.push(derivedState(d.branches[i], d.columns, input.from, where, input.cols, repeated));
    }
    return parts.length == 1 ? parts[0] : "(" + parts.join(")\nUNION ALL\n(") + ")";
  }

  /**
   * X₁ of `op` to be joined on `condition` to a term whose columns are `outer` (and which comes
   * first in the FROM list). A grouping derived relation whose grouping keys the condition equates
   * with the term's columns (`d.o1 = t.x`) is read as a LATERAL subquery computing only those
   * groups: PostgreSQL pushes no join condition into a GROUP BY subquery, so joined as it is the
   * relation is computed whole for every term (TPC-H Q21's pairs of line items: every group of
   * lineitem, in each of dozens of terms). A join tree is its state with such relations inside it
   * probed the same way (keyed); anything else is its state.
   */
  private probed(op: Operator, outer: ColumnMap, condition: Expr | null): Piece {
    if (condition === null) return this.state(op);
    if (op.kind != OperatorKind.Scan) return this.keyed(op, condition);
    if (!isDerived(op as ScanOperator)) return this.state(op);
    const d = changetype<DerivedOperator>(op);
    if (d.branches.length != 1 || (d.branches[0].kind != OperatorKind.Aggregate && d.branches[0].kind != OperatorKind.Distinct)) return this.state(op);
    const groupKeys = groupKeyColumns(d);
    const keys: Expr[] = [];
    const values: string[] = [];
    const conjuncts = conjunctsOf(changetype<Expr>(condition));
    for (let i = 0; i < conjuncts.length; i++) {
      const c = conjuncts[i];
      if (c.kind != ExprKind.Operator || (c as OperatorExpr).operator != "=") continue;
      const o = c as OperatorExpr;
      const left = o.left;
      if (left === null) continue;
      // `d.o1 = t.x` or `t.x = d.o1`.
      let at = keyEquality(d, groupKeys, changetype<Expr>(left), o.right, outer);
      let value = o.right;
      if (at < 0) {
        at = keyEquality(d, groupKeys, o.right, changetype<Expr>(left), outer);
        value = changetype<Expr>(left);
      }
      if (at < 0) continue;
      keys.push(changetype<Expr>(groupKeys[at]));
      values.push(renderExpr(value, outer));
    }
    if (keys.length == 0) return this.state(op);
    const alias = scanAlias(d);
    return new Piece("LATERAL (" + this.derivedState(d, keys, values) + ") AS " + alias, [], "1", scanColumns(d, alias));
  }

  /**
   * X₁ of the join tree `op`, whose rows a term restricts by `condition` (joined to a delta or to
   * a grouped one): a grouping relation inside it joined on its keys to the scans the condition
   * reads is probed row by row (probedRight), not computed whole (TPC-H Q21: per order, the least
   * and greatest supplier over all of lineitem, in every term that joins a change of the other).
   */
  private keyed(op: Operator, condition: Expr): Piece {
    const mine = scansOf(op);
    const rels = relsOf(condition);
    const keyRels: i32[] = [];
    for (let i = 0; i < mine.length; i++) if (rels.includes(mine[i].rel)) keyRels.push(mine[i].rel);
    return this.stateFor(op, keyRels);
  }

  /** X₁ of `op`, read only for keys over scans `keyRels` (see keyRels). */
  private stateFor(op: Operator, keyRels: i32[]): Piece {
    const saved = this.keyRels;
    this.keyRels = keyRels;
    const state = this.state(op);
    this.keyRels = saved;
    return state;
  }

  /**
   * The inner or left join `j` with a LATERAL grouping relation on its right, computed only for
   * the keys each left row probes (see probed): when the rows read are restricted by grouping keys
   * over the left side's scans (keyRels), so the left side is a few rows. A derived relation's
   * affected groups (TPC-H Q20: the suppliers of changed part-suppliers) would otherwise join the
   * whole grouping relation, computed over all of lineitem. Null otherwise.
   */
  private probedRight(j: JoinOperator, l: Piece): Piece | null {
    if (this.keyRels.length == 0 || (j.joinType != JoinType.Inner && j.joinType != JoinType.Left)) return null;
    if (j.right.kind != OperatorKind.Scan || !isDerived(j.right as ScanOperator)) return null;
    const left = scansOf(j.left);
    for (let i = 0; i < this.keyRels.length; i++) {
      let found = false;
      for (let k = 0; k < left.length && !found; k++) found = left[k].rel == this.keyRels[i];
      if (!found) return null;
    }
    const r = this.probed(j.right, l.cols, j.condition);
    if (!r.from.startsWith("LATERAL")) return null;
    const cols = l.cols.with(r.cols);
    const on = j.condition === null ? "true" : renderExpr(changetype<Expr>(j.condition), cols);
    const keyword = j.joinType == JoinType.Inner ? " JOIN " : " LEFT JOIN ";
    return new Piece("(" + l.from + keyword + r.from + " ON " + on + ")", l.where, "1", cols);
  }

  /** `p` as a single FROM item with no pending conditions (a subquery when it has some). */
  private wrap(p: Piece, op: Operator): Piece {
    if (p.where.length == 0) return p;
    const alias = this.alias();
    const list: string[] = [];
    const columns = columnsOf(op);
    for (let i = 0; i < columns.length; i++) list.push(p.cols.column(columns[i]) + " AS " + this.nameOf(columns[i]));
    return new Piece("(SELECT " + list.join(", ") + " FROM " + p.from + " WHERE " + conjunction(p.where) + ") AS " + alias, [], "1",
      this.cteColumns(op, alias));
  }

  /** ΔX as a list of terms whose union (signs included) is the delta. */
  terms(op: Operator): Piece[] {
    if (op.kind == OperatorKind.Scan) {
      const scan = op as ScanOperator;
      const alias = scanAlias(scan);
      const name = this.deltaCte(op);
      return [new Piece(name + " AS " + alias, gate(op, name), alias + ".__pgt_sign", this.cteColumns(op, alias)).needing(deltaNeeds(scan))];
    }
    if (op.kind == OperatorKind.Filter) {
      const f = op as FilterOperator;
      const inner = this.terms(f.input);
      const out: Piece[] = [];
      for (let i = 0; i < inner.length; i++) {
        const t = inner[i];
        out.push(new Piece(t.from, t.where.concat([renderExpr(f.predicate, t.cols)]), t.sign, t.cols, t.small).needing(t.needs));
      }
      return out;
    }
    const j = op as JoinOperator;
    const out: Piece[] = [];
    if (isLateralFunction(j.right)) {
      // The function's rows depend only on the left row they are evaluated for: Δ(L ⋈ f(L)) = ΔL ⋈ f(ΔL).
      const left = this.terms(j.left);
      for (let i = 0; i < left.length; i++) {
        const t = left[i];
        const f = this.functionItem(j, t.cols);
        out.push(new Piece(t.from + ",\n       " + f.from, t.where.concat(f.where), t.sign, f.cols, t.small).needing(t.needs));
      }
      return out;
    }
    // The matched rows, for every join type: ΔL ⋈ R₀ ⊎ L₁ ⋈ ΔR. A term driven by one delta reads
    // R₀ as R₁ plus the small correction −(ΔL ⋈ ΔR): joined to R₁ itself, the planner sees R's
    // statistics (a union hides them) and probes it as it would in any query.
    const left = this.terms(j.left);
    for (let i = 0; i < left.length; i++) {
      const t = left[i];
      // A small term splits too while the budget lasts: a union item hides the table's statistics
      // from the planner, which then guesses the small term huge and scans whole tables for it.
      if (t.small && (j.right.kind != OperatorKind.Scan || this.splits >= MAX_SPLITS)) {
        out.push(this.innerJoin(t, this.old(j.right, t.cols, j.condition), j.condition));
        continue;
      }
      if (t.small) this.splits++;
      out.push(this.innerJoin(t, this.probed(j.right, t.cols, j.condition), j.condition));
      const correction = this.innerJoin(t, this.deltaItem(j.right), j.condition);
      out.push(new Piece(correction.from, correction.where, negate(correction.sign), correction.cols, true).needing(correction.needs));
    }
    const right = this.terms(j.right);
    for (let i = 0; i < right.length; i++) out.push(this.innerJoin(right[i], this.probed(j.left, right[i].cols, j.condition), j.condition));
    if (j.joinType == JoinType.Left || j.joinType == JoinType.Full) this.padded(j.left, j.right, j.condition, out);
    if (j.joinType == JoinType.Right || j.joinType == JoinType.Full) this.padded(j.right, j.left, j.condition, out);
    return out;
  }

  /**
   * The function on the right of join `j` (isLateralFunction) as a LATERAL FROM item evaluated
   * over the left side's columns `cols`: `from` to follow the left side's FROM list, `where` the
   * join condition of an inner join, and `cols` both sides' columns. A LEFT JOIN pads inside the
   * item, so a left row without a matching function row keeps one row of NULLs.
   */
  private functionItem(j: JoinOperator, cols: ColumnMap): Piece {
    const f = changetype<DerivedOperator>(j.right);
    const alias = scanAlias(f);
    const left = j.joinType == JoinType.Left;
    const inner = left ? "__pgt_f" : alias;
    const own = new ColumnMap();
    const outer = new ColumnMap();
    for (let i = 0; i < f.columns.length; i++) {
      own.set(f.rel, f.columns[i], inner + "." + f.callColumn(i));
      outer.set(f.rel, f.columns[i], alias + "." + f.callColumn(i));
    }
    const item = f.callFrom(renderExpr(changetype<Expr>(f.call), cols), inner);
    const condition = this.condition(j.condition, cols.with(own));
    if (left) {
      return new Piece("LATERAL (SELECT " + inner + ".* FROM (VALUES (0)) AS __pgt_one LEFT JOIN " + item + " ON " + condition + ") AS " + alias,
        [], "1", cols.with(outer));
    }
    return new Piece("LATERAL " + item, j.condition === null ? [] : [condition], "1", cols.with(outer));
  }

  /** `a ⋈ b` as one term; small when either is. */
  private innerJoin(a: Piece, b: Piece, condition: Expr | null): Piece {
    const cols = a.cols.with(b.cols);
    const where = a.where.concat(b.where);
    if (condition !== null) where.push(renderExpr(changetype<Expr>(condition), cols));
    return new Piece(a.from + ",\n       " + b.from, where, times(a.sign, b.sign), cols, a.small || b.small).needing(a.needs).needing(b.needs);
  }

  /** ΔX as one signed FROM item (its CTE). */
  private deltaItem(op: Operator): Piece {
    const alias = this.alias();
    const name = this.deltaCte(op);
    return new Piece(name + " AS " + alias, gate(op, name), alias + ".__pgt_sign", this.cteColumns(op, alias), true).needing(deltaNeeds(op));
  }

  /**
   * Appends the delta of pad(P ▷ N): the rows of the preserved side P without a match in the
   * nullable side N, with N's columns NULL.
   */
  private padded(preserved: Operator, nullable: Operator, condition: Expr | null, out: Piece[]): void {
    const nulls = new ColumnMap();
    const columns = columnsOf(nullable);
    for (let i = 0; i < columns.length; i++) {
      const scan = this.scans[columns[i].rel];
      const c = scan.source.column(columns[i].column);
      // A grouping subquery's or a function's column types are PostgreSQL's to know: read one from
      // a delta table (a function in FROM has none of its own: the nullable side's). Under
      // `CASE WHEN false`, which the planner folds to a NULL of that type before it plans, so it
      // simplifies the conditions on the column (a subquery's value would be unknown to it: TPC-H
      // Q21's NOT EXISTS test on padded rows was estimated to keep 1 row in 160 and nested a join
      // of two deltas, 1.2 s of its refresh).
      const typed = isDerived(scan) ? "(CASE WHEN false THEN (SELECT x." + this.nameOf(columns[i]) + " FROM "
        + this.deltaCte(changetype<DerivedOperator>(scan).isFunction ? nullable : scan) + " AS x WHERE false) END)"
        : "NULL::" + (c === null ? "text" : c.type);
      nulls.set(columns[i].rel, columns[i].column, typed);
    }
    // ΔP ▷ N₁.
    const deltas = this.terms(preserved);
    for (let i = 0; i < deltas.length; i++) {
      const t = deltas[i];
      const n1 = this.probed(nullable, t.cols, condition);
      const match = n1.where.concat([this.condition(condition, t.cols.with(n1.cols))]);
      out.push(new Piece(t.from, t.where.concat(["NOT EXISTS (SELECT 1 FROM " + n1.from + " WHERE " + conjunction(match) + ")"]),
        t.sign, t.cols.with(nulls), t.small).needing(t.needs));
    }
    // P₀ rows whose match status changed: P₀ = P₁ ⊎ −ΔP, restricted to rows ΔN matches.
    const dn = this.deltaCte(nullable);
    const pieces: Piece[] = [condition === null ? this.state(preserved) : this.keyed(preserved, changetype<Expr>(condition))];
    for (let i = 0; i < deltas.length; i++) {
      const t = deltas[i];
      pieces.push(new Piece(t.from, t.where, negate(t.sign), t.cols, t.small).needing(t.needs));
    }
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i];
      const counted = this.alias();
      const changed = this.alias();
      const probe = this.alias();
      const deltaRow = this.alias();
      const n1 = this.probed(nullable, p.cols, condition);
      const inN1 = n1.where.concat([this.condition(condition, p.cols.with(n1.cols))]);
      let from = p.from + ",\n       LATERAL (SELECT count(*) AS c1 FROM " + n1.from + " WHERE " + conjunction(inN1) + ") AS " + counted;
      const where = p.where.slice(0);
      // ΔN's rows matching each candidate, summed: grouped by the join keys when the condition is
      // an equi-join, a LATERAL sum per candidate otherwise. Only rows ΔN matches are candidates.
      const grouped = this.groupedDelta(nullable, p.cols, condition, changed);
      if (grouped !== null) {
        from += ",\n       " + grouped.from;
        for (let k = 0; k < grouped.where.length; k++) where.push(grouped.where[k]);
      } else {
        const inDelta = this.condition(condition, p.cols.with(this.cteColumns(nullable, deltaRow)));
        const inProbe = this.condition(condition, p.cols.with(this.cteColumns(nullable, probe)));
        from += ",\n       LATERAL (SELECT COALESCE(sum(" + deltaRow + ".__pgt_sign), 0) AS dc FROM " + dn + " AS " + deltaRow
          + " WHERE " + inDelta + ") AS " + changed;
        where.push("EXISTS (SELECT 1 FROM " + dn + " AS " + probe + " WHERE " + inProbe + ")");
      }
      where.push("((" + counted + ".c1 = 0) <> (" + counted + ".c1 - " + changed + ".dc = 0))");
      out.push(new Piece(from, where, times(p.sign, "(CASE WHEN " + counted + ".c1 = 0 THEN 1 ELSE -1 END)"), p.cols.with(nulls), p.small)
        .needing(p.needs).needing(deltaNeeds(nullable)));
    }
  }

  /**
   * ΔN summed per join key, as FROM item `alias` with a column `dc`, and the conditions joining it
   * to a row with columns `outer`: when `condition` is a conjunction of equalities between an
   * expression over N and one over the outer row, and of conditions on either side alone. A
   * LATERAL sum would scan ΔN (a table without indexes) once per outer row: TPC-H Q13's customers,
   * thousands of them, each scanning thousands of changed orders. Null otherwise, and where a
   * COLLATE could make the grouping's equality differ from the condition's.
   */
  private groupedDelta(nullable: Operator, outer: ColumnMap, condition: Expr | null, alias: string): Piece | null {
    if (condition === null) return null;
    const own: i32[] = [];
    const columns = columnsOf(nullable);
    for (let i = 0; i < columns.length; i++) if (!own.includes(columns[i].rel)) own.push(columns[i].rel);
    const row = this.alias();
    const cols = this.cteColumns(nullable, row);
    const keys: string[] = [];
    const filters: string[] = [];
    const where: string[] = [];
    const conjuncts = conjunctsOf(changetype<Expr>(condition));
    for (let i = 0; i < conjuncts.length; i++) {
      const c = conjuncts[i];
      const side = sideOf(c, own);
      if (side == Side.Own) { filters.push(renderExpr(c, cols)); continue; }
      if (side == Side.Other) { where.push(renderExpr(c, outer)); continue; }
      if (c.kind != ExprKind.Operator || (c as OperatorExpr).operator != "=" || (c as OperatorExpr).left === null || contains(c, ExprKind.Collate)) return null;
      const o = c as OperatorExpr;
      const left = changetype<Expr>(o.left);
      const leftSide = sideOf(left, own);
      const rightSide = sideOf(o.right, own);
      if (leftSide == Side.Own && rightSide == Side.Other) {
        keys.push(renderExpr(left, cols) + " AS k" + keys.length.toString());
        where.push(alias + ".k" + (keys.length - 1).toString() + " = " + renderExpr(o.right, outer));
      } else if (leftSide == Side.Other && rightSide == Side.Own) {
        keys.push(renderExpr(o.right, cols) + " AS k" + keys.length.toString());
        where.push(renderExpr(left, outer) + " = " + alias + ".k" + (keys.length - 1).toString());
      } else {
        return null;
      }
    }
    if (keys.length == 0) return null;
    const groupBy: string[] = [];
    for (let i = 0; i < keys.length; i++) groupBy.push((i + 1).toString());
    return new Piece("(SELECT " + keys.join(", ") + ", sum(" + row + ".__pgt_sign) AS dc FROM " + this.deltaCte(nullable) + " AS " + row
      + (filters.length > 0 ? " WHERE " + conjunction(filters) : "") + " GROUP BY " + groupBy.join(", ") + ") AS " + alias, where, "1", cols);
  }

  private condition(condition: Expr | null, cols: ColumnMap): string {
    return condition === null ? "true" : renderExpr(changetype<Expr>(condition), cols);
  }

  /** X₀ as one signed FROM item: X₁ with sign +1 and ΔX with its sign negated, joined on `condition` to a term with columns `outer`. */
  old(op: Operator, outer: ColumnMap, condition: Expr | null): Piece {
    const alias = this.alias();
    // Joined to a term with columns `outer` on `condition`: a grouping relation computes only the groups it probes.
    const state = this.probed(op, outer, condition);
    const list: string[] = [];
    const names: string[] = [];
    const columns = columnsOf(op);
    for (let i = 0; i < columns.length; i++) {
      names.push(this.nameOf(columns[i]));
      list.push(state.cols.column(columns[i]) + " AS " + names[i]);
    }
    const where = state.where.length > 0 ? " WHERE " + conjunction(state.where) : "";
    const sql = (state.from.startsWith("LATERAL") ? "LATERAL " : "") + "(SELECT 1 AS __pgt_sign" + (list.length > 0 ? ", " + list.join(", ") : "") + " FROM " + state.from + where
      + "\n        UNION ALL SELECT -__pgt_sign" + (names.length > 0 ? ", " + names.join(", ") : "") + " FROM " + this.deltaCte(op) + ") AS " + alias;
    return new Piece(sql, [], alias + ".__pgt_sign", this.cteColumns(op, alias));
  }

  /** The columns of `op`'s delta CTE (or X₀ item) read through `alias`. */
  private cteColumns(op: Operator, alias: string): ColumnMap {
    const cols = new ColumnMap();
    const columns = columnsOf(op);
    for (let i = 0; i < columns.length; i++) cols.set(columns[i].rel, columns[i].column, alias + "." + this.nameOf(columns[i]));
    return cols;
  }

  /**
   * The name of a relation holding ΔX (__pgt_sign and every scan column), defined once. In a
   * join (`tables`) a scan's delta from its change buffer is a temporary table, analyzed before
   * the delta statement runs: with its real size and value distribution the planner chooses
   * between probing the other tables by index and hashing (a CTE would leave it guessing, and a
   * wrong guess multiplies two deltas row by row). A single table's delta, a statement's
   * transition tables (IMMEDIATE) and a larger subtree's delta are CTEs.
   */
  deltaCte(op: Operator): string {
    for (let i = 0; i < this.cteOps.length; i++) if (this.cteOps[i] == op) return this.cteNames[i];
    let name: string;
    if (op.kind == OperatorKind.Scan) {
      const scan = op as ScanOperator;
      const renamed: string[] = [];
      for (let i = 0; i < scan.columns.length; i++) renamed.push(deltaColumn(scan, scan.columns[i]));
      // A derived relation's delta is one SELECT per branch; a source's is its buffer window.
      const bodies = isDerived(scan) ? this.derivedDeltas(changetype<DerivedOperator>(scan), renamed) : [windowSelect(scan, this.delta, renamed)];
      if (this.tables && this.delta == DeltaSource.Buffer) {
        name = "pg_temp.__pgt_d" + scan.rel.toString();
        const restriction = this.restrictions[scan.rel];
        const restricted: string[] = [];
        for (let i = 0; i < bodies.length; i++) {
          restricted.push(restriction === null ? bodies[i]
            : "SELECT w.* FROM (\n" + bodies[i] + "\n) AS w\nWHERE " + renderExpr(changetype<Expr>(restriction), this.cteColumns(op, "w")));
        }
        if (bodies.length == 1) this.prepare.push(new Statement("CREATE TEMP TABLE " + name + " AS\n" + restricted[0]));
        else {
          // UNION ALL: the table takes the column types PostgreSQL resolves for the union, then each
          // branch's rows. A constant relation has no branch: its delta is this empty table.
          this.prepare.push(new Statement("CREATE TEMP TABLE " + name + " AS\nSELECT 1 AS __pgt_sign, q.* FROM (\n"
            + this.derivedState(changetype<DerivedOperator>(scan)) + "\n) AS q (" + renamed.join(", ") + ")\nWITH NO DATA"));
          for (let i = 0; i < restricted.length; i++) this.prepare.push(new Statement("INSERT INTO " + name + "\n" + restricted[i]));
        }
        // Statistics only where the planner uses them, on the columns the conditions compare: for
        // 30,000 TPC-H line items sampling every column took 43 ms, the three join keys 13 ms.
        const analyzed: string[] = [];
        for (let i = 0; i < scan.columns.length; i++) {
          if (this.conditionColumns.includes(scan.rel.toString() + ":" + scan.columns[i])) analyzed.push(renamed[i]);
        }
        this.prepare.push(new Statement("ANALYZE " + name + (analyzed.length > 0 ? " (" + analyzed.join(", ") + ")" : "")));
        this.cleanup.push(name);
      } else {
        name = "__pgt_d" + scan.rel.toString();
        this.ctes.push(name + " AS (\n" + bodies[0] + "\n)");
      }
    } else {
      name = "__pgt_dx" + this.cteNames.length.toString();
      this.ctes.push(name + " AS (\n" + this.union(this.terms(op), op) + "\n)");
    }
    this.cteOps.push(op);
    this.cteNames.push(name);
    return name;
  }

  /**
   * The delta of a derived relation (operators/derived.ts), one SELECT per branch, its columns
   * named `names`. The branches' own delta tables are filled first and dropped with this compiler's.
   */
  private derivedDeltas(d: DerivedOperator, names: string[]): string[] {
    assert(this.tables && this.delta == DeltaSource.Buffer, "a derived relation outside a buffered refresh");
    const out: string[] = [];
    for (let b = 0; b < d.branches.length; b++) {
      const inner = new JoinCompiler(this.scans, this.delta, true);
      const input = inputOf(d.branches[b]);
      const rel = inner.relation(input, relsOfAll(groupingKeys(d.branches[b])));
      for (let i = 0; i < rel.prepare.length; i++) this.prepare.push(rel.prepare[i]);
      for (let i = 0; i < inner.cleanup.length; i++) this.cleanup.push(inner.cleanup[i]);
      const columns = columnsOf(input);
      const inputNames: string[] = [];
      const fullColumns: string[] = [];
      for (let i = 0; i < columns.length; i++) {
        inputNames.push(this.nameOf(columns[i]));
        fullColumns.push(rel.fullContext.column(columns[i]));
      }
      out.push(derivedDelta(d.branches[b], names, rel.withDelta, inputNames, new DeltaRowContext(this.scans, "w"), rel.fullFrom,
        rel.fullConditions, rel.fullContext, fullColumns, new DeltaRowContext(this.scans, "r")));
    }
    return out;
  }

  /**
   * The relation `input` under this compiler's scans: its delta (with the statements it needs) and
   * its current state, read only for keys over scans `keyRels` when there are some (see keyRels).
   */
  relation(input: Operator, keyRels: i32[] = []): InputRelation {
    if (this.tables) {
      pushDownRestrictions(input, this);
      this.noteConditions(input);
    }
    const out = new InputRelation();
    const state = this.stateFor(input, keyRels);
    out.fullFrom = state.from;
    out.fullConditions = state.where;
    out.fullContext = state.cols;
    // The state above is also the FULL refresh's FROM, outside any WITH; the terms are inside.
    this.statement = true;
    const union = this.union(this.terms(input), input, true);
    this.ctes.push("__pgt_w AS (\n" + union + "\n)");
    out.withDelta = "WITH " + this.ctes.join(",\n");
    out.prepare = this.prepare;
    if (this.cleanup.length > 0) out.cleanup = [new Statement("DROP TABLE " + this.cleanup.join(", "))];
    out.deltaContext = new DeltaRowContext(this.scans, "w");
    return out;
  }

  /**
   * The union of `terms` as rows (__pgt_sign, every scan column under `op` by its delta name). With
   * `marked`, each term is wrapped in `/*pgt:term needs=<source oids>*\/ ... /*pgt:end*\/` so a
   * refresh can leave out the terms that need the delta of a source without changes
   * (pruneTerms in refresh/program.ts).
   */
  union(terms: Piece[], op: Operator, marked: bool = false): string {
    const columns = columnsOf(op);
    const selects: string[] = [];
    for (let t = 0; t < terms.length; t++) {
      const term = terms[t];
      const list: string[] = [term.sign + " AS __pgt_sign"];
      for (let i = 0; i < columns.length; i++) list.push(term.cols.column(columns[i]) + " AS " + this.nameOf(columns[i]));
      const where = term.where.length > 0 ? "\n  WHERE " + conjunction(term.where) : "";
      const select = "SELECT " + list.join(", ") + "\n  FROM " + term.from + where;
      if (!marked) { selects.push(select); continue; }
      const oids: string[] = [];
      for (let n = 0; n < term.needs.length; n++) {
        const oid = sourceKey(this.scans[term.needs[n]]);
        if (!oids.includes(oid)) oids.push(oid);
      }
      selects.push(TERM_START + oids.join(",") + "*/\n" + select + "\n" + TERM_END);
    }
    return selects.join("\nUNION ALL\n");
  }
}

/**
 * The restrictions of the WHERE clause on single tables, for a query whose FROM tree holds only
 * inner joins: a conjunct that reads one table, and for a disjunction the OR, over its branches,
 * of each branch's conjuncts on one table (as PostgreSQL derives restriction clauses from ORs).
 * Each restricts that table's delta before it is copied: the WHERE clause drops the other rows
 * in every term anyway, so σₚ(ΔR) can stand for ΔR. Not below an outer join, where a row of ΔR
 * failing p still changes the match count of the row it pads.
 */
function pushDownRestrictions(input: Operator, compiler: JoinCompiler): void {
  if (input.kind != OperatorKind.Filter || !innerJoinsOnly((input as FilterOperator).input)) return;
  const conjuncts = conjunctsOf((input as FilterOperator).predicate);
  for (let i = 0; i < conjuncts.length; i++) {
    const c = conjuncts[i];
    const rels = relsOf(c);
    if (rels.length == 1) { compiler.restrict(rels[0], c); continue; }
    if (c.kind != ExprKind.Bool || (c as BoolExpr).op != "OR") continue;
    const branches = (c as BoolExpr).args;
    for (let r = 0; r < compiler.scans.length; r++) {
      const ors: Expr[] = [];
      for (let b = 0; b < branches.length; b++) {
        const own: Expr[] = [];
        const parts = conjunctsOf(branches[b]);
        for (let k = 0; k < parts.length; k++) {
          const partRels = relsOf(parts[k]);
          if (partRels.length == 1 && partRels[0] == r) own.push(parts[k]);
        }
        if (own.length == 0) break;
        ors.push(own.length == 1 ? own[0] : new BoolExpr("AND", own));
      }
      if (ors.length == branches.length) compiler.restrict(r, new BoolExpr("OR", ors));
    }
  }
}

/** The columns `predicate` requires to be NULL: its conjuncts `c IS NULL` and `NOT (c IS NOT NULL)`. */
function nullTested(predicate: Expr): ColumnExpr[] {
  const out: ColumnExpr[] = [];
  const conjuncts = conjunctsOf(predicate);
  for (let i = 0; i < conjuncts.length; i++) {
    let c = conjuncts[i];
    let isNull = true;
    if (c.kind == ExprKind.Bool && (c as BoolExpr).op == "NOT" && (c as BoolExpr).args.length == 1) {
      c = (c as BoolExpr).args[0];
      isNull = false;
    }
    if (c.kind != ExprKind.NullTest || (c as NullTestExpr).isNull != isNull) continue;
    const arg = (c as NullTestExpr).arg;
    if (arg.kind == ExprKind.Column) out.push(arg as ColumnExpr);
  }
  return out;
}

/** Whether `condition` has a conjunct `c = x` (or `x = c`) with `c` a column of `rel` among `tested` and `x` not reading `rel`. */
function equatesTested(condition: Expr | null, rel: i32, tested: ColumnExpr[]): bool {
  if (condition === null) return false;
  const conjuncts = conjunctsOf(changetype<Expr>(condition));
  for (let i = 0; i < conjuncts.length; i++) {
    const c = conjuncts[i];
    if (c.kind != ExprKind.Operator || (c as OperatorExpr).operator != "=" || (c as OperatorExpr).left === null) continue;
    const o = c as OperatorExpr;
    const sides: Expr[] = [changetype<Expr>(o.left), o.right];
    for (let s = 0; s < 2; s++) {
      const side = sides[s];
      if (side.kind != ExprKind.Column || (side as ColumnExpr).rel != rel || relsOf(sides[1 - s]).includes(rel)) continue;
      for (let t = 0; t < tested.length; t++) {
        if (tested[t].rel == rel && tested[t].column == (side as ColumnExpr).column) return true;
      }
    }
  }
  return false;
}

/** The alias of scan `scan` in state and delta SQL. */
function scanAlias(scan: ScanOperator): string {
  return "__pgt_s" + scan.rel.toString();
}

/** The columns of scan `scan` read through `alias`. */
function scanColumns(scan: ScanOperator, alias: string): ColumnMap {
  const cols = new ColumnMap();
  for (let i = 0; i < scan.columns.length; i++) cols.set(scan.rel, scan.columns[i], alias + "." + quoteIdent(scan.columns[i]));
  return cols;
}

/**
 * Per output column of grouping relation `d`: the grouping key it is (null when it is not one).
 * The result is indexed like `d.columns`.
 */
function groupKeyColumns(d: DerivedOperator): Array<Expr | null> {
  const branch = d.branches[0];
  const outputs = branch.kind == OperatorKind.Distinct ? (branch as DistinctOperator).outputs : (branch as AggregateOperator).outputs;
  const keys: Expr[] = [];
  if (branch.kind == OperatorKind.Distinct) for (let i = 0; i < outputs.length; i++) keys.push(outputs[i].expr);
  else if ((branch as AggregateOperator).groupingSets === null) {
    const own = (branch as AggregateOperator).keys;
    for (let i = 0; i < own.length; i++) keys.push(own[i]);
  }
  const texts: string[] = [];
  for (let i = 0; i < keys.length; i++) texts.push(canonicalSql(keys[i]));
  const out = new Array<Expr | null>();
  for (let i = 0; i < outputs.length; i++) out.push(texts.includes(canonicalSql(outputs[i].expr)) ? outputs[i].expr : null);
  return out;
}

/**
 * The column index of `d` when `column` is a column of `d` that is a grouping key and `value`
 * reads only columns `outer` has; -1 otherwise.
 */
function keyEquality(d: DerivedOperator, keys: Array<Expr | null>, column: Expr, value: Expr, outer: ColumnMap): i32 {
  if (column.kind != ExprKind.Column || (column as ColumnExpr).rel != d.rel) return -1;
  const at = d.columns.indexOf((column as ColumnExpr).column);
  if (at < 0 || keys[at] === null) return -1;
  const refs = columnRefs(value);
  for (let i = 0; i < refs.length; i++) if (!outer.keys.includes(refs[i].rel.toString() + ":" + refs[i].column)) return -1;
  return at;
}

/**
 * For a term reading the delta table `name` of derived relation `op`: the condition that the
 * table has rows, a one-time filter PostgreSQL checks before running anything else of the term.
 * A source without changes leaves its terms out (pruneTerms), but a derived relation's delta is
 * often empty although its sources changed: its groups kept their rows (TPC-H Q16's NOT IN count
 * over suppliers: its term joined all of partsupp and part to an empty table). Not for a
 * source's delta: a one-time filter in every term of TPC-H Q8 took its planning from 20 ms to
 * 350 ms. None for a CTE.
 */
function gate(op: Operator, name: string): string[] {
  if (op.kind != OperatorKind.Scan || !isDerived(op as ScanOperator) || !name.startsWith("pg_temp.")) return [];
  return ["(SELECT true FROM " + name + " LIMIT 1)"];
}

enum Side { Own, Other, Both }

/** Whether `e` reads only the scans `own` (or none), only others, or both. */
function sideOf(e: Expr, own: i32[]): Side {
  const rels = relsOf(e);
  let mine = 0;
  for (let i = 0; i < rels.length; i++) if (own.includes(rels[i])) mine++;
  return mine == rels.length ? Side.Own : mine == 0 ? Side.Other : Side.Both;
}

/** Whether `e` has a node of kind `kind`. */
function contains(e: Expr, kind: ExprKind): bool {
  if (e.kind == kind) return true;
  const kids = childExpressions(e);
  for (let i = 0; i < kids.length; i++) if (contains(kids[i], kind)) return true;
  return false;
}

function innerJoinsOnly(op: Operator): bool {
  if (op.kind == OperatorKind.Scan) return true;
  if (op.kind == OperatorKind.Filter) return innerJoinsOnly((op as FilterOperator).input);
  const j = op as JoinOperator;
  return j.joinType == JoinType.Inner && innerJoinsOnly(j.left) && innerJoinsOnly(j.right);
}

/** The scans (rels) the expressions read, each once. */
function relsOfAll(exprs: Expr[]): i32[] {
  const out: i32[] = [];
  for (let i = 0; i < exprs.length; i++) {
    const rels = relsOf(exprs[i]);
    for (let k = 0; k < rels.length; k++) if (!out.includes(rels[k])) out.push(rels[k]);
  }
  return out;
}

/** The scans (rels) an expression reads, each once. */
function relsOf(e: Expr): i32[] {
  const out: i32[] = [];
  const refs = columnRefs(e);
  for (let i = 0; i < refs.length; i++) if (!out.includes(refs[i].rel)) out.push(refs[i].rel);
  return out;
}

/** Renders columns of the delta relation `__pgt_w` through alias `alias`. */
export class DeltaRowContext extends RenderContext {
  constructor(public scans: ScanOperator[], public alias: string) { super(); }
  column(c: ColumnExpr): string { return this.alias + "." + deltaColumn(this.scans[c.rel], c.column); }
}

/** The relational input of a top operator, compiled: its delta relation and its current state. */
export class InputRelation {
  /** `WITH <CTEs>, __pgt_w AS (<the delta: __pgt_sign and every scan column>)`, ready for more CTEs. */
  withDelta: string = "";
  /** Run before the statement using withDelta (the scans' delta tables), and after it. */
  prepare: Statement[] = [];
  cleanup: Statement[] = [];
  /** Renders columns of `__pgt_w AS w`. */
  deltaContext: RenderContext = new ColumnMap();
  /** FROM and WHERE conditions of the current state, and its column spellings. */
  fullFrom: string = "";
  fullConditions: string[] = [];

  /** `\n  WHERE <conditions>`, or "" without any. */
  get fullWhere(): string {
    return this.fullConditions.length > 0 ? "\n  WHERE " + conjunction(this.fullConditions) : "";
  }
  fullContext: RenderContext = new ColumnMap();
}

/** Compiles the relational input `input` over `scans`, its delta read from `delta`. */
export function compileInput(input: Operator, scans: ScanOperator[], delta: DeltaSource): InputRelation {
  return new JoinCompiler(scans, delta, scans.length > 1).relation(input);
}
