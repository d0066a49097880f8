/**
 * @fileoverview The operator tree of a differentiable query: immutable nodes tagged by `kind`.
 * This version builds Scan → [Filter] → (Project | Aggregate | Distinct); later versions add
 * joins, set operations and the rest without changing the shape of the tree.
 */

import { Expr, AggregateExpr } from "./expr";
import { RelationInfo } from "../analyze/catalog";
import { AnalyzedQuery, OutputColumn } from "../analyze/query";

/** The kinds of operator. */
export enum OperatorKind { Scan, Filter, Project, Aggregate, Distinct }

/** Base of every operator node. */
export abstract class Operator {
  constructor(public readonly kind: OperatorKind) {}
}

/** Reads one source relation (its change buffer in a delta). */
export class ScanOperator extends Operator {
  constructor(public readonly source: RelationInfo, public readonly columns: string[]) { super(OperatorKind.Scan); }
}

/** Keeps the rows satisfying `predicate`. */
export class FilterOperator extends Operator {
  constructor(public readonly input: Operator, public readonly predicate: Expr) { super(OperatorKind.Filter); }
}

/** Computes the output columns, row by row (bag semantics). */
export class ProjectOperator extends Operator {
  constructor(public readonly input: Operator, public readonly outputs: OutputColumn[]) { super(OperatorKind.Project); }
}

/** Groups by `keys` and computes `aggregates`; `outputs` are expressions over both. */
export class AggregateOperator extends Operator {
  constructor(
    public readonly input: Operator,
    public readonly keys: Expr[],
    public readonly aggregates: AggregateExpr[],
    public readonly outputs: OutputColumn[],
  ) { super(OperatorKind.Aggregate); }
}

/** SELECT DISTINCT: a grouping by every output column with only a count. */
export class DistinctOperator extends Operator {
  constructor(public readonly input: Operator, public readonly outputs: OutputColumn[]) { super(OperatorKind.Distinct); }
}

/** Builds the operator tree of an analyzed query. */
export function buildOperatorTree(q: AnalyzedQuery): Operator {
  const columns = q.columnsUsed.slice(0);
  for (let i = 0; i < q.source.primaryKey.length; i++) {
    if (!columns.includes(q.source.primaryKey[i])) columns.push(q.source.primaryKey[i]);
  }
  let input: Operator = new ScanOperator(q.source, columns);
  const where = q.where;
  if (where !== null) input = new FilterOperator(input, where);
  if (q.distinct) return new DistinctOperator(input, q.outputs);
  if (q.grouped) return new AggregateOperator(input, q.groupKeys, q.aggregates, q.outputs);
  return new ProjectOperator(input, q.outputs);
}

/** The scan at the bottom of a single-source tree. */
export function scanOf(op: Operator): ScanOperator {
  let node = op;
  while (node.kind != OperatorKind.Scan) {
    if (node.kind == OperatorKind.Filter) node = (node as FilterOperator).input;
    else if (node.kind == OperatorKind.Project) node = (node as ProjectOperator).input;
    else if (node.kind == OperatorKind.Aggregate) node = (node as AggregateOperator).input;
    else node = (node as DistinctOperator).input;
  }
  return node as ScanOperator;
}

/** The filter predicate directly above the scan, or null. */
export function predicateOf(op: Operator): Expr | null {
  let node = op;
  while (node.kind != OperatorKind.Scan) {
    if (node.kind == OperatorKind.Filter) return (node as FilterOperator).predicate;
    if (node.kind == OperatorKind.Project) node = (node as ProjectOperator).input;
    else if (node.kind == OperatorKind.Aggregate) node = (node as AggregateOperator).input;
    else node = (node as DistinctOperator).input;
  }
  return null;
}

/** A one-line description of the tree, e.g. `Aggregate(Filter(Scan(public.orders)))`. */
export function describeOperatorTree(op: Operator): string {
  switch (op.kind) {
    case OperatorKind.Scan: {
      const s = op as ScanOperator;
      return "Scan(" + s.source.schema + "." + s.source.name + ")";
    }
    case OperatorKind.Filter: return "Filter(" + describeOperatorTree((op as FilterOperator).input) + ")";
    case OperatorKind.Project: return "Project(" + describeOperatorTree((op as ProjectOperator).input) + ")";
    case OperatorKind.Aggregate: return "Aggregate(" + describeOperatorTree((op as AggregateOperator).input) + ")";
    default: return "Distinct(" + describeOperatorTree((op as DistinctOperator).input) + ")";
  }
}
