/**
 * @fileoverview WITH RECURSIVE in the defining query, at its top or in a subquery.
 *
 * A recursive query's result is a fixpoint: one changed row of a source can add or remove rows
 * at any depth (a deleted edge disconnects a whole subtree), and no delta rule short of
 * re-deriving the affected part maintains it in general. Such a stream table is therefore
 * maintained like TopK: its sources are captured, a refresh without changes does nothing, and a
 * refresh with changes runs the query and changes only the stored rows that differ (the
 * program's DIFFERENTIAL statements are its FULL-as-difference). Inserts and deletes are equally
 * exact; the cost is a run of the query, the rows written are the difference. In IMMEDIATE mode
 * each writing statement does this inside its transaction.
 *
 * The sources are the tables any part of the query reads (not the CTEs it defines), with the
 * tables inheriting from them unless read with ONLY. A view, or a source of another kind, is
 * refused: its tables' changes would not be captured.
 */

import { PNode } from "../nodes/parse-node";
import { EngineError } from "../errors/engine-error";
import { ErrorCode } from "../errors/codes.generated";
import { RelationInfo, lookupRelation } from "./catalog";
import { ScanOperator } from "../ir/operator-tree";
import { AnalyzedQuery, Analysis } from "./analyzed-query";
import { QueryAnalyzer } from "./query";
import { prepareInheritance } from "./inheritance";
import { relationReferences } from "./tree";

/** Analyzes `s`, a SELECT with WITH RECURSIVE somewhere, as a recomputed query (Analysis.recursive). */
export function analyzeRecursive(a: QueryAnalyzer, s: PNode): Analysis {
  const references = relationReferences(s);
  for (let i = 0; i < references.length; i++) {
    const n = references[i];
    const schema = n.str("schemaname");
    const name = n.str("relname");
    const found = lookupRelation(schema, name);
    if (found === null) {
      return a.failed(new EngineError(ErrorCode.UndefinedTable, "relation \"" + name + "\" does not exist").at(a.at(n.int("location"))));
    }
    const rel = changetype<RelationInfo>(found);
    if (rel.relkind != "r") {
      const what = rel.relkind == "v" ? "a view" : "a relation of kind " + rel.relkind;
      return a.notDifferentiable("WITH RECURSIVE reading " + what, n.int("location"));
    }
    // `t` reads its descendants, whose tables are captured too; `ONLY t` reads t's own rows.
    const inh = n.bool("inh");
    const refusal = prepareInheritance(rel, inh);
    if (refusal !== null) return a.notDifferentiable("WITH RECURSIVE reading " + refusal, n.int("location"));
    let seen = false;
    for (let k = 0; k < a.scans.length; k++) if (a.scans[k].source.oid == rel.oid && a.scans[k].inh == inh) seen = true;
    if (!seen) a.scans.push(new ScanOperator(a.scans.length, rel, rel.name, inh));
  }
  if (a.scans.length == 0) return a.notDifferentiable("a query that reads no table", s.int("location"));
  const q = new AnalyzedQuery();
  q.from = a.scans[0];
  q.scans = a.scans;
  a.result.query = q;
  a.result.recursive = true;
  return a.result;
}
