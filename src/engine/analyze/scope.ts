/**
 * @fileoverview Name resolution for a FROM clause: which column a (qualified or bare) name in
 * an expression means. A FROM item exposes its columns in order (what `*` expands to and what
 * bare names search) and the aliases inside it (what `alias.column` searches). A column is bound
 * to an expression: a base table's column is a ColumnExpr of its range entry; a subquery's
 * column is the expression it selects; a `JOIN ... USING` column is the merged value.
 */

import { Expr, ExprKind, ColumnExpr, OperatorExpr, conjunctsOf } from "../ir/expr";
import { Operator, JoinType } from "../ir/operator-tree";

/**
 * A name a FROM item exposes, and the expression it stands for. `padded`: a computed column of a
 * subquery or view on the nullable side of an outer join — substituted above the join, its value
 * would survive the NULL padding of its row, so a reference to it is not differentiable.
 */
export class ColumnBinding {
  constructor(public name: string, public expr: Expr, public padded: bool = false) {}
}

/**
 * A range-table alias: `alias.column` resolves among `columns`, and `alias.*` in an expression is
 * the row of them (a whole-row value, see ExpressionBinder.wholeRow).
 */
export class AliasEntry {
  /** The composite type its whole-row value has: a table's own row type; "" for an anonymous record. */
  rowType: string = "";
  /** True when an outer join pads its rows with NULLs; its whole-row value is then NULL, not a row of NULLs. */
  nullable: bool = false;
  /**
   * An expression over its columns that is never NULL in a row it really has, so NULL only where
   * an outer join padded it (a NOT NULL column, or one a join condition compares); null if unknown.
   */
  present: Expr | null = null;
  /** `schema` is set for a table named without an alias, so `schema.table.column` resolves too. */
  constructor(public name: string, public schema: string, public columns: ColumnBinding[]) {}
}

/** One item of a FROM clause, after analysis. */
export class FromItem {
  /**
   * A LATERAL subquery's WHERE, which reads the FROM items before it: the condition of the join
   * that brings it in (null for any other item).
   */
  lateral: Expr | null = null;
  /** A LATERAL subquery that returns one row for every outer row (an aggregate without GROUP BY): brought in by a left join. */
  alwaysOne: bool = false;
  /** A LATERAL row without FROM: columns over the items before it, no relation of its own (`op` is not joined). */
  columnsOnly: bool = false;
  constructor(public op: Operator, public columns: ColumnBinding[], public aliases: AliasEntry[]) {}
}

/** How a name resolved: to an expression, or not at all, or to more than one column. */
export enum Resolution { Found, MissingTable, MissingColumn, Ambiguous }

/** The result of resolving one column reference. */
export class Resolved {
  constructor(public status: Resolution, public expr: Expr | null, public padded: bool = false) {}
}

/**
 * The FROM items an expression can see; inside a subquery in an expression, the enclosing
 * query's scope is `outer`, searched for a name the subquery's own FROM clause does not have.
 */
export class Scope {
  outer: Scope | null = null;
  constructor(public items: FromItem[]) {}

  /** The alias entry called `name` (and in `schema`, when given), or null. */
  alias(name: string, schema: string): AliasEntry | null {
    for (let i = 0; i < this.items.length; i++) {
      const aliases = this.items[i].aliases;
      for (let a = 0; a < aliases.length; a++) {
        if (aliases[a].name == name && (schema.length == 0 || aliases[a].schema == schema)) return aliases[a];
      }
    }
    return null;
  }

  /** The alias entry called `name` (and in `schema`, when given) here or else in an outer scope, or null. */
  visibleAlias(name: string, schema: string): AliasEntry | null {
    const here = this.alias(name, schema);
    const outer = this.outer;
    return here !== null || outer === null ? here : outer.visibleAlias(name, schema);
  }

  /** True when `name` is a range-table alias here or in an outer scope (`alias` alone is a whole-row reference). */
  hasAlias(name: string): bool {
    return this.visibleAlias(name, "") !== null;
  }

  /** True when some FROM item of this scope (not an outer one) exposes a bare column `name`. */
  hasColumn(name: string): bool {
    return this.resolveHere([name]).status != Resolution.MissingColumn;
  }

  /** Resolves `parts` (`column`, `alias.column` or `schema.table.column`), here or else in an outer scope. */
  resolve(parts: string[]): Resolved {
    const here = this.resolveHere(parts);
    const outer = this.outer;
    if (outer === null || here.status == Resolution.Found || here.status == Resolution.Ambiguous) return here;
    const there = outer.resolve(parts);
    return there.status == Resolution.Found || there.status == Resolution.Ambiguous ? there : here;
  }

  private resolveHere(parts: string[]): Resolved {
    const name = parts[parts.length - 1];
    let found: ColumnBinding | null = null;
    let hits = 0;
    if (parts.length == 1) {
      for (let i = 0; i < this.items.length; i++) {
        const columns = this.items[i].columns;
        for (let c = 0; c < columns.length; c++) {
          if (columns[c].name == name) { found = columns[c]; hits++; }
        }
      }
    } else {
      if (parts.length > 3) return new Resolved(Resolution.MissingTable, null);
      const entry = this.alias(parts[parts.length - 2], parts.length == 3 ? parts[0] : "");
      if (entry === null) return new Resolved(Resolution.MissingTable, null);
      for (let c = 0; c < entry.columns.length; c++) {
        if (entry.columns[c].name == name) { found = entry.columns[c]; hits++; }
      }
    }
    if (hits == 0 || found === null) return new Resolved(Resolution.MissingColumn, null);
    if (hits > 1) return new Resolved(Resolution.Ambiguous, null);
    return new Resolved(Resolution.Found, found.expr, found.padded);
  }
}

/**
 * Notes on the aliases of a join's sides which ones it pads with NULLs, and for each side whose
 * rows must satisfy the condition, a column a comparison in it reads: never NULL in a joined
 * row, so NULL only in a padded one (AliasEntry.present).
 */
export function notePadding(joinType: JoinType, left: AliasEntry[], right: AliasEntry[], conditions: Expr[]): void {
  const padsLeft = joinType == JoinType.Right || joinType == JoinType.Full;
  const padsRight = joinType == JoinType.Left || joinType == JoinType.Full;
  for (let i = 0; i < left.length; i++) if (padsLeft) left[i].nullable = true;
  for (let i = 0; i < right.length; i++) if (padsRight) right[i].nullable = true;
  if (joinType == JoinType.Full) return;
  const checked = joinType == JoinType.Left ? right : joinType == JoinType.Right ? left : left.concat(right);
  let conjuncts: Expr[] = [];
  for (let i = 0; i < conditions.length; i++) conjuncts = conjuncts.concat(conjunctsOf(conditions[i]));
  for (let i = 0; i < conjuncts.length; i++) {
    const c = conjuncts[i];
    if (c.kind != ExprKind.Operator || !COMPARISONS.includes((c as OperatorExpr).operator)) continue;
    const o = c as OperatorExpr;
    const operands: Array<Expr | null> = [o.left, o.right];
    for (let k = 0; k < operands.length; k++) {
      const operand = operands[k];
      if (operand === null || operand.kind != ExprKind.Column) continue;
      const column = operand as ColumnExpr;
      for (let a = 0; a < checked.length; a++) {
        if (checked[a].present !== null) continue;
        const columns = checked[a].columns;
        for (let b = 0; b < columns.length; b++) {
          const e = columns[b].expr;
          if (e.kind == ExprKind.Column && (e as ColumnExpr).rel == column.rel && (e as ColumnExpr).column == column.column) checked[a].present = e;
        }
      }
    }
  }
}

/** The built-in comparison operators, which are strict: true only for operands that are not NULL. */
const COMPARISONS = ["=", "<>", "<", ">", "<=", ">="];
