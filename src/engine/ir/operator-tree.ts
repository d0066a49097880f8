/**
 * @fileoverview The operator tree of a differentiable query: immutable nodes tagged by `kind`.
 * The relational part is a tree of Scan, Filter and Join; one Project, Aggregate or Distinct sits
 * on top. A subquery in FROM that groups, and UNION ALL, are Derived scans holding their own such
 * trees.
 */

import { Expr, AggregateExpr, FunctionExpr } from "./expr";
import { RelationInfo } from "../analyze/catalog";
import { quoteIdent } from "../sqlgen/quote";
import { AnalyzedQuery, OutputColumn } from "../analyze/analyzed-query";

/** The kinds of operator. */
export enum OperatorKind { Scan, Filter, Join, Project, Aggregate, Distinct, Window }

/** Base of every operator node. */
export abstract class Operator {
  constructor(public readonly kind: OperatorKind) {}
}

/**
 * Reads one source relation (its change buffer in a delta). `rel` numbers the query's scans from
 * 0 in FROM order; a table read twice (a self-join) has two scans. `columns` are the source
 * columns the query reads from it (filled in after analysis).
 */
export class ScanOperator extends Operator {
  columns: string[] = [];
  /**
   * `inh` false for `FROM ONLY t`: only t's own rows. Otherwise the scan reads t and every table
   * inheriting from it, each projected to t's columns by name.
   */
  constructor(public readonly rel: i32, public readonly source: RelationInfo, public readonly alias: string,
    public readonly inh: bool = true) { super(OperatorKind.Scan); }

  /** The tables whose rows it reads, each captured into a buffer of its own: its source, and its descendants unless ONLY. */
  members(): RelationInfo[] {
    const out: RelationInfo[] = [this.source];
    if (this.inh) for (let i = 0; i < this.source.descendants.length; i++) out.push(this.source.descendants[i]);
    return out;
  }

  /** True when it reads the rows of tables inheriting from its source. */
  get inherits(): bool { return this.inh && this.source.descendants.length > 0; }

  /**
   * The other tables whose statements change rows it reads: the ancestors of its members. An
   * IMMEDIATE stream table needs its statement triggers on them too.
   */
  ancestors(): RelationInfo[] {
    const out = this.source.ancestors.slice(0);
    if (this.inh) for (let i = 0; i < this.source.descendantsAncestors.length; i++) out.push(this.source.descendantsAncestors[i]);
    return out;
  }
}

/**
 * A relation computed by the query and read like a source: a subquery in FROM that groups
 * (GROUP BY, aggregates, HAVING or DISTINCT: one branch, an Aggregate or Distinct), a select list
 * with window functions (one Window branch), UNION ALL
 * (two or more branches, each a Project, Aggregate or Distinct, their rows concatenated), or a
 * constant relation (no branch: VALUES or a SELECT without FROM, see `values`), or a function in
 * FROM that reads the items before it (no branch, see `call`). The branches' scans are among the
 * query's scans. Its columns are `o1`, `o2`, ... in output order (operators/derived.ts).
 */
export class DerivedOperator extends ScanOperator {
  readonly branches: Operator[] = [];
  /** A constant relation (VALUES, or a SELECT without FROM): its rows as one SELECT; "" otherwise. */
  values: string = "";
  /** True for the result of a subquery in an expression (EXISTS, IN, a scalar subquery: analyze/sublink.ts). */
  sublink: bool = false;
  /**
   * A function in FROM over the FROM items before it: its call, whose column references are to
   * those items. It is always the right side of the join that brings it in, which evaluates it
   * for each row of the left side (operators/join.ts); null for any other relation.
   */
  call: Expr | null = null;
  /** WITH ORDINALITY: its last column numbers the rows of each call. */
  ordinality: bool = false;
  /**
   * Its column definition list (`AS f(a int, b text)`), names and types; empty without one. The
   * names stay as written: a function like jsonb_to_recordset reads them.
   */
  definedNames: string[] = [];
  definedTypes: string[] = [];
  constructor(rel: i32, public readonly queries: AnalyzedQuery[], alias: string, width: i32 = -1) {
    super(rel, derivedRelation(alias), alias);
    for (let i = 0; i < queries.length; i++) this.branches.push(buildOperatorTree(queries[i]));
    const n = width >= 0 ? width : queries[0].outputs.length;
    for (let i = 0; i < n; i++) this.columns.push("o" + (i + 1).toString());
  }

  /** A constant relation of `width` columns whose rows `values` selects (columns named o1, o2, ...); it never changes. */
  static constant(rel: i32, values: string, width: i32, alias: string): DerivedOperator {
    const d = new DerivedOperator(rel, [], alias, width);
    d.values = values;
    return d;
  }

  /** The function `call` in FROM, reading the items before it, as a relation of `width` columns. */
  static lateralFunction(rel: i32, call: Expr, width: i32, alias: string, ordinality: bool, definedNames: string[], definedTypes: string[]): DerivedOperator {
    const d = new DerivedOperator(rel, [], alias, width);
    d.call = call;
    d.ordinality = ordinality;
    d.definedNames = definedNames;
    d.definedTypes = definedTypes;
    return d;
  }

  /** A function in FROM: its call (SQL text `call`) as a FROM item called `alias`, with its columns listed (see callColumn). */
  callFrom(call: string, alias: string): string {
    const list: string[] = [];
    for (let i = 0; i < this.columns.length; i++) list.push(this.callColumn(i) + (i < this.definedTypes.length ? " " + this.definedTypes[i] : ""));
    return call + (this.ordinality ? " WITH ORDINALITY" : "") + " AS " + alias + " (" + list.join(", ") + ")";
  }

  /** The name of a function's column `i` in the FROM item callFrom writes: as defined, else its own column name. */
  callColumn(i: i32): string {
    return i < this.definedNames.length ? quoteIdent(this.definedNames[i]) : this.columns[i];
  }

  /** True for a function in FROM (see `call`). */
  get isFunction(): bool { return this.call !== null; }

  /** True for a constant relation (VALUES, a SELECT without FROM). */
  get isConstant(): bool { return this.values.length > 0; }

  /** True for UNION ALL (several branches), false for a grouping subquery. */
  get isUnion(): bool { return this.branches.length > 1; }
}

function derivedRelation(alias: string): RelationInfo {
  const rel = new RelationInfo();
  rel.name = alias;
  rel.relkind = DERIVED_RELKIND;
  return rel;
}

/** The relkind of a derived relation's stand-in source (not a pg_class relkind). */
const DERIVED_RELKIND = "subquery";

/** True when `scan` reads a relation computed by the query (a DerivedOperator), not a source relation. */
export function isDerived(scan: ScanOperator): bool {
  return scan.source.relkind == DERIVED_RELKIND;
}

/** True for a function in FROM that reads the FROM items before it (DerivedOperator.call). */
export function isLateralFunction(op: Operator): bool {
  return op.kind == OperatorKind.Scan && isDerived(op as ScanOperator) && changetype<DerivedOperator>(op).isFunction;
}

/** Keeps the rows satisfying `predicate`. */
export class FilterOperator extends Operator {
  constructor(public readonly input: Operator, public readonly predicate: Expr) { super(OperatorKind.Filter); }
}

/** The four joins; RIGHT is kept as written (its delta rule mirrors LEFT's). */
export enum JoinType { Inner, Left, Right, Full }

/** Joins `left` and `right` on `condition` (null: a cross join). */
export class JoinOperator extends Operator {
  constructor(public readonly joinType: JoinType, public readonly left: Operator, public readonly right: Operator,
    public readonly condition: Expr | null) { super(OperatorKind.Join); }
}

/** Computes the output columns, row by row (bag semantics). */
export class ProjectOperator extends Operator {
  /** `copies`: how many times each row counts (INTERSECT ALL, EXCEPT ALL), null for once. */
  constructor(public readonly input: Operator, public readonly outputs: OutputColumn[], public readonly copies: Expr | null = null) {
    super(OperatorKind.Project);
  }
}

/** Groups by `keys` and computes `aggregates`; `outputs` and `having` are expressions over both. */
export class AggregateOperator extends Operator {
  constructor(
    public readonly input: Operator,
    public readonly keys: Expr[],
    public readonly aggregates: AggregateExpr[],
    public readonly outputs: OutputColumn[],
    public readonly having: Expr | null,
    /** GROUPING SETS: GROUPING(every key) of each set's rows; null for a plain GROUP BY. */
    public readonly groupingSets: i32[] | null,
  ) { super(OperatorKind.Aggregate); }
}

/**
 * A select list with window functions, over rows that are not grouped: each output row is an
 * input row with its window values. `keys` are the partition keys every window shares (empty:
 * one partition), so a change touches only the partitions whose keys it has.
 */
export class WindowOperator extends Operator {
  constructor(public readonly input: Operator, public readonly outputs: OutputColumn[], public readonly keys: Expr[]) { super(OperatorKind.Window); }
}

/** SELECT DISTINCT: a grouping by every output column with only a count. */
export class DistinctOperator extends Operator {
  constructor(public readonly input: Operator, public readonly outputs: OutputColumn[]) { super(OperatorKind.Distinct); }
}

/** Builds the operator tree of an analyzed query. */
export function buildOperatorTree(q: AnalyzedQuery): Operator {
  let input: Operator = changetype<Operator>(q.from);
  const where = q.where;
  if (where !== null) input = new FilterOperator(input, where);
  const windowKeys = q.windowKeys;
  if (windowKeys !== null) return new WindowOperator(input, q.outputs, windowKeys);
  if (q.distinct) return new DistinctOperator(input, q.outputs);
  if (q.grouped) return new AggregateOperator(input, q.groupKeys, q.aggregates, q.outputs, q.having, q.groupingSets);
  return new ProjectOperator(input, q.outputs, q.copies);
}

/** The relational input of a top operator (Project, Aggregate or Distinct). */
export function inputOf(top: Operator): Operator {
  if (top.kind == OperatorKind.Project) return (top as ProjectOperator).input;
  if (top.kind == OperatorKind.Aggregate) return (top as AggregateOperator).input;
  if (top.kind == OperatorKind.Window) return (top as WindowOperator).input;
  return (top as DistinctOperator).input;
}

/** Every scan under `op`, in FROM order. */
export function scansOf(op: Operator): ScanOperator[] {
  const out: ScanOperator[] = [];
  collectScans(op, out);
  return out;
}

function collectScans(op: Operator, out: ScanOperator[]): void {
  switch (op.kind) {
    case OperatorKind.Scan: out.push(op as ScanOperator); break;
    case OperatorKind.Filter: collectScans((op as FilterOperator).input, out); break;
    case OperatorKind.Join: {
      const j = op as JoinOperator;
      collectScans(j.left, out);
      collectScans(j.right, out);
      break;
    }
    default: collectScans(inputOf(op), out);
  }
}

/** The one scan of a top operator reading a single source through at most one filter, else null. */
export function singleScan(top: Operator): ScanOperator | null {
  let node = inputOf(top);
  if (node.kind == OperatorKind.Filter) node = (node as FilterOperator).input;
  return node.kind == OperatorKind.Scan ? node as ScanOperator : null;
}

/** The filter predicate directly above the scan of a single-source top operator, or null. */
export function predicateOf(top: Operator): Expr | null {
  const node = inputOf(top);
  return node.kind == OperatorKind.Filter ? (node as FilterOperator).predicate : null;
}

const JOIN_NAMES = ["InnerJoin", "LeftJoin", "RightJoin", "FullJoin"];

/** A one-line description of the tree, e.g. `Aggregate(Filter(InnerJoin(Scan(public.a), Scan(public.b))))`. */
export function describeOperatorTree(op: Operator): string {
  switch (op.kind) {
    case OperatorKind.Scan: {
      const s = op as ScanOperator;
      if (isDerived(s)) {
        const d = changetype<DerivedOperator>(s);
        const parts: string[] = [];
        for (let i = 0; i < d.branches.length; i++) parts.push(describeOperatorTree(d.branches[i]));
        if (d.isConstant) return "Values";
        if (d.isFunction) return "Function(" + (changetype<Expr>(d.call) as FunctionExpr).name + ")";
        return (d.isUnion ? "UnionAll(" : "Derived(") + parts.join(", ") + ")";
      }
      return "Scan(" + (s.inh ? "" : "ONLY ") + s.source.schema + "." + s.source.name + (s.inherits ? "*" : "") + ")";
    }
    case OperatorKind.Filter: return "Filter(" + describeOperatorTree((op as FilterOperator).input) + ")";
    case OperatorKind.Join: {
      const j = op as JoinOperator;
      return JOIN_NAMES[<i32>j.joinType] + "(" + describeOperatorTree(j.left) + ", " + describeOperatorTree(j.right) + ")";
    }
    case OperatorKind.Project: return "Project(" + describeOperatorTree((op as ProjectOperator).input) + ")";
    case OperatorKind.Aggregate: return "Aggregate(" + describeOperatorTree((op as AggregateOperator).input) + ")";
    case OperatorKind.Window: return "Window(" + describeOperatorTree((op as WindowOperator).input) + ")";
    default: return "Distinct(" + describeOperatorTree((op as DistinctOperator).input) + ")";
  }
}
