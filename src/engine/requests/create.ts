/**
 * @fileoverview `create`: plans a new stream table. Validates the options, reads and analyzes
 * the defining query, resolves AUTO, and returns the statements that create storage, capture and
 * catalog rows, plus the refresh program. The shim runs them in the caller's transaction, so a
 * failure leaves nothing behind.
 */

import { Json, JsonObjectWriter, jsonString, jsonArray } from "../util/json";
import { EngineError, okResponse, errorResponse } from "../errors/engine-error";
import { ErrorCode } from "../errors/codes.generated";
import { readParseTree } from "../nodes/read-tree";
import { PNode } from "../nodes/parse-node";
import { analyzeSelect, singleSelect } from "../analyze/query";
import { AnalyzedQuery, Analysis } from "../analyze/analyzed-query";
import { volatilePolicy } from "../analyze/expressions";
import { resolveTargetName, lookupRelation, bufferColumns, currentSearchPath, RelationInfo } from "../analyze/catalog";
import { buildOperatorTree, describeOperatorTree, singleScan, inputOf, Operator, OperatorKind, ProjectOperator, ScanOperator, isDerived } from "../ir/operator-tree";
import { compileKeyedProjection, compileCountedProjection } from "../operators/project";
import { compileAggregate } from "../operators/aggregate";
import { compileInput } from "../operators/join";
import { probeSelect, DeltaSource } from "../operators/scan";
import { ensureCapture } from "../cdc/buffer";
import { RefreshProgram, ProgramSource, fullRefreshStatements, fullDiffStatements, createRowIdIndex, ImmediateProgram,
  ImmediateStep, rowVersionsSelect } from "../refresh/program";
import { MaintenancePlan, Statement, Counting, statementsJson } from "../refresh/statement";
import { relationReferences, statementRange } from "../analyze/tree";
import { boundRecursion } from "../analyze/recursion-bound";
import { hostMessage, LogLevel } from "../host/imports";
import { quoteLiteral, qualifiedName } from "../sqlgen/quote";
import { parseDiamondOptions, parseRefreshMode, parseSchedule, rejectUnsupportedOptions } from "./options";

/** Handles `{"op":"create", name, query, parseTree|parseTreeJson, serverVersion, schedule, refreshMode, initialize, ...}`. */
export function createStreamTable(request: Json): string {
  const mode = parseRefreshMode(request.str("refreshMode", "AUTO"));
  if (mode.error !== null) return errorResponse(changetype<EngineError>(mode.error));
  const schedule = parseSchedule(request.get("schedule"), request.int("minScheduleSeconds", 1));
  if (schedule.error !== null) return errorResponse(changetype<EngineError>(schedule.error));
  const optionError = rejectUnsupportedOptions(request);
  if (optionError !== null) return errorResponse(optionError);
  const diamonds = parseDiamondOptions(request.get("options"));
  if (diamonds.error !== null) return errorResponse(changetype<EngineError>(diamonds.error));
  if (mode.mode == "IMMEDIATE" && !request.bool("initialize", true)) {
    return errorResponse(new EngineError(ErrorCode.InvalidArgument, "an IMMEDIATE stream table cannot be created unpopulated")
      .withDetail("Every write to a source changes an IMMEDIATE stream table at once, so it must hold its query's result from the start.")
      .withHint("Omit initialize => false, or create it with another refresh mode."));
  }

  const target = resolveTargetName(request.str("name"));
  if (target === null) {
    return errorResponse(new EngineError(ErrorCode.InvalidArgument, "invalid stream table name \"" + request.str("name") + "\"")
      .withHint("Give the name as 'table' or 'schema.table'."));
  }
  if (target.exists) {
    return errorResponse(new EngineError(ErrorCode.DuplicateTable, "relation \"" + target.schema + "." + target.name + "\" already exists")
      .withHint("Drop it first, or choose another name for the stream table."));
  }

  const defining = readDefiningQuery(request);
  if (defining.error !== null) return errorResponse(changetype<EngineError>(defining.error));
  const analysis = defining.analysis;

  const storage = qualifiedName(target.schema, target.name);
  const warnings: string[] = [];
  let effective = mode.mode;
  const notDifferentiable = analysis.notDifferentiable;
  if (notDifferentiable !== null) {
    if (mode.mode == "DIFFERENTIAL") return errorResponse(notDifferentiable);
    if (mode.mode == "IMMEDIATE") return errorResponse(notImmediate(notDifferentiable));
    if (mode.mode == "AUTO") {
      warnings.push(jsonString("stream table \"" + target.name + "\" will use FULL refresh: " + notDifferentiable.message));
    }
    effective = "FULL";
  } else if (effective == "AUTO") {
    effective = "DIFFERENTIAL";
  }
  if (effective != "FULL") {
    for (let i = 0; i < analysis.warnings.length; i++) warnings.push(jsonString("stream table \"" + target.name + "\": " + analysis.warnings[i]));
  }
  if (analysis.query !== null) {
    const nameError = checkOutputNames(changetype<AnalyzedQuery>(analysis.query));
    if (nameError !== null) return errorResponse(nameError);
  }

  const compiled = compileQuery(defining, target.schema, target.name, request.int("serverVersion", 180000), effective, false);
  for (let i = 0; i < compiled.warnings.length; i++) warnings.push(jsonString("stream table \"" + target.name + "\": " + compiled.warnings[i]));
  const program = compiled.program;
  const statements = compiled.storage;
  for (let i = 0; i < compiled.capture.length; i++) statements.push(compiled.capture[i]);
  statements.push(new Statement("CREATE TRIGGER pgtrickle_guard BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON " + storage
    + " FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle._guard_stream_table()"));
  statements.push(new Statement("COMMENT ON TABLE " + storage + " IS " + quoteLiteral("pg_trickle stream table")));
  catalogRows(statements, storage, target.schema, target.name, defining.query, effective, mode.requested, schedule.value, program);
  if (effective == "IMMEDIATE") statements.push(immediateTriggers(storage, true));
  const diamondSets = diamonds.assignments();
  if (diamondSets.length > 0) {
    statements.push(new Statement("UPDATE pgtrickle.pgt_stream_tables SET " + diamondSets.join(", ") + " WHERE pgt_relid = "
      + quoteLiteral(storage) + "::regclass"));
  }

  hostMessage(LogLevel.Debug, "pg_trickle: stream table " + storage + " uses " + effective + " refresh; operator tree "
    + (program.operatorTree.length > 0 ? program.operatorTree : "(none)"));
  const result = new JsonObjectWriter()
    .str("storage", storage)
    .str("refreshMode", effective)
    .raw("warnings", jsonArray(warnings))
    .raw("statements", statementsJson(statements))
    .raw("program", program.toJson())
    .toString();
  return okResponse(result);
}

/** The request's defining query: its text, its one raw SELECT statement and its analysis. */
export class DefiningQuery {
  query: string = "";
  raw: PNode | null = null;
  select: PNode | null = null;
  analysis: Analysis = new Analysis();
  error: EngineError | null = null;
}

/** Reads `query` and its parse tree from a request and analyzes it; `error` says why it cannot. */
export function readDefiningQuery(request: Json): DefiningQuery {
  const out = new DefiningQuery();
  out.query = request.str("query");
  const tree = readParseTree(request);
  if (tree.error !== null) { out.error = tree.error; return out; }
  const selected = singleSelect(tree.statements);
  if (selected.error !== null) { out.error = selected.error; return out; }
  out.raw = tree.statements[0];
  out.select = selected.select;
  // A stream table being rebuilt was accepted before: only a new one is held to the current limit.
  out.analysis = analyzeSelect(changetype<PNode>(selected.select), out.query, <i32>request.int("maxGroupingSetBranches", 4096),
    volatilePolicy(request.str("volatileFunctionPolicy", "reject")), request.int("topkMaxLimit", i32.MAX_VALUE));
  out.error = out.analysis.error;
  return out;
}

/** What compileQuery returns: the program's query-dependent parts, the storage's DDL and the change capture. */
export class CompiledQuery {
  program: RefreshProgram = new RefreshProgram();
  /** CREATE TABLE of the storage (and its row-id index). */
  storage: Statement[] = [];
  /** What makes every source capture the columns the program reads (none when statement triggers read transition tables). */
  capture: Statement[] = [];
  /** The storage columns, in table order (empty for a FULL-only query: its columns are the query's own). */
  columns: string[] = [];
  /** What the stream table should be warned about beyond its analysis (a recursion IMMEDIATE cannot bound). */
  warnings: string[] = [];
}

/**
 * Compiles an analyzed defining query into the query-dependent parts of a refresh program
 * (differentiable, operatorTree, probe, full, fullDiff, differential, immediate, sources), the
 * storage's DDL and the statements that make its sources capture what it reads, unless the stream
 * table, refreshed in `mode`, reads transition tables instead (`replaceCapture` also rewrites
 * capture functions that already read enough).
 */
export function compileQuery(defining: DefiningQuery, schema: string, name: string, serverVersion: i32, mode: string,
  replaceCapture: bool): CompiledQuery {
  const analysis = defining.analysis;
  const out = new CompiledQuery();
  const program = out.program;
  const storage = qualifiedName(schema, name);
  program.storage = storage;
  program.searchPath = currentSearchPath();
  if (analysis.query !== null) {
    const q = changetype<AnalyzedQuery>(analysis.query);
    const operators = buildOperatorTree(q);
    program.differentiable = true;
    program.probe = probeSelect(q.scans);
    if (analysis.recomputed) {
      // TopK, WITH RECURSIVE and order-sensitive aggregates below the top: a refresh with changes
      // runs the query and changes the stored rows that differ. IMMEDIATE runs it inside the
      // writing statement, with its recursion bounded.
      let limited = querySelect(defining);
      if (analysis.recursive && mode == "IMMEDIATE") {
        const bounded = boundRecursion(defining.query, changetype<PNode>(defining.raw), name);
        limited = subquerySelect(bounded.sql);
        for (let i = 0; i < bounded.unbounded.length; i++) out.warnings.push(bounded.unbounded[i]);
      }
      program.operatorTree = analysis.topK ? "TopK(" + describeOperatorTree(operators) + ")"
        : analysis.recursive ? recursiveTree(q.scans) : "Recompute(" + describeOperatorTree(operators) + ")";
      program.full = [new Statement("TRUNCATE " + storage), new Statement("INSERT INTO " + storage + "\n" + limited, Counting.Inserted)];
      program.fullDiff = fullDiffStatements(schema, name, limited, "");
      program.differential = program.fullDiff;
      out.storage.push(new Statement("CREATE TABLE " + storage + " AS\n" + limited + "\nWITH NO DATA"));
    } else {
      const plan = compilePlan(operators, q.scans, storage, serverVersion >= 170000, DeltaSource.Buffer);
      out.columns = plan.columns;
      program.operatorTree = describeOperatorTree(operators);
      program.full = fullRefreshStatements(schema, name, plan);
      program.fullDiff = fullDiffStatements(schema, name, plan.fullSelect, "__pgt_row_id");
      program.differential = plan.differential;
      out.storage.push(new Statement("CREATE TABLE " + storage + " AS\n" + plan.fullSelect + "\nWITH NO DATA"));
      out.storage.push(createRowIdIndex(schema, name));
    }
    // One base table read once, outside any inheritance hierarchy: statement triggers apply each
    // statement's transition tables (in a hierarchy they would not see every change of its rows).
    // Any other query is refreshed from its change buffers at the end of each writing statement.
    if (!analysis.recomputed && q.views.length == 0 && q.scans.length == 1 && !isDerived(q.scans[0])
      && !q.scans[0].source.inHierarchy) {
      program.immediate = new ImmediateProgram(immediateStep(operators, q.scans, storage, DeltaSource.Inserted),
        immediateStep(operators, q.scans, storage, DeltaSource.Updated), immediateStep(operators, q.scans, storage, DeltaSource.Deleted),
        rowVersionsSelect(storage));
    }
    const sources = programSources(q.scans);
    for (let i = 0; i < sources.length; i++) program.sources.push(sources[i]);
    // A view is a dependency (replacing it reinitializes the stream table); its tables are the captured sources.
    for (let i = 0; i < q.views.length; i++) {
      const v = q.views[i];
      program.sources.push(new ProgramSource(v.oid, v.schema, v.name, v.relkind, [], false));
    }
    // Statement triggers read each statement's transition tables, not a change buffer.
    if (mode != "IMMEDIATE" || program.immediate === null) {
      for (let i = 0; i < sources.length; i++) {
        if (sources[i].role == "ancestor") continue;
        const rel = sourceRelation(q.scans, sources[i].oid);
        const statements = ensureCapture(rel, sources[i].columns, bufferColumns(rel.oid), replaceCapture);
        for (let k = 0; k < statements.length; k++) out.capture.push(statements[k]);
      }
    }
  } else {
    const sourceSelect = querySelect(defining);
    program.reason = changetype<EngineError>(analysis.notDifferentiable).message;
    program.operatorTree = "Full(query)";
    program.full = [
      new Statement("TRUNCATE " + storage),
      new Statement("INSERT INTO " + storage + "\n" + sourceSelect, Counting.Inserted),
    ];
    program.fullDiff = fullDiffStatements(schema, name, sourceSelect, "");
    collectSources(changetype<PNode>(defining.select), program);
    out.storage.push(new Statement("CREATE TABLE " + storage + " AS\n" + sourceSelect + "\nWITH NO DATA"));
  }
  return out;
}

/** The operator tree shown for a WITH RECURSIVE query: `Recursive(Scan(s.t), ...)`, its sources. */
function recursiveTree(scans: ScanOperator[]): string {
  const parts: string[] = [];
  for (let i = 0; i < scans.length; i++) parts.push(describeOperatorTree(scans[i]));
  return "Recursive(" + parts.join(", ") + ")";
}

/** True for the stored program of a WITH RECURSIVE query, whose statements differ in IMMEDIATE mode (its recursion bounded). */
export function isRecursiveProgram(program: Json): bool {
  return program.str("operatorTree").startsWith("Recursive(");
}

/** IMMEDIATE applies the DIFFERENTIAL rules, so what DIFFERENTIAL cannot maintain IMMEDIATE cannot either. */
export function notImmediate(reason: EngineError): EngineError {
  return new EngineError(reason.code, reason.message.replace("in DIFFERENTIAL mode", "in IMMEDIATE mode"))
    .withHint("IMMEDIATE mode maintains what DIFFERENTIAL mode can. Use refresh_mode => 'FULL' for this query.").at(reason.position);
}

/** Chooses the maintenance plan for the top operator, its delta read from `delta`. */
function compilePlan(tree: Operator, scans: ScanOperator[], storage: string, returning: bool, delta: DeltaSource): MaintenancePlan {
  const single = singleScan(tree);
  if (tree.kind == OperatorKind.Project && single !== null && single.source.primaryKey.length > 0 && (tree as ProjectOperator).copies === null) {
    return compileKeyedProjection(tree as ProjectOperator, single, storage, returning, delta);
  }
  const input = compileInput(inputOf(tree), scans, delta);
  if (tree.kind == OperatorKind.Project) return compileCountedProjection(tree as ProjectOperator, storage, input, scans);
  return compileAggregate(tree, storage, returning, input, scans);
}

/**
 * What an IMMEDIATE statement trigger runs for statements whose transition tables are `delta`.
 * Nobody records its row counts, so its MERGE returns none.
 */
function immediateStep(tree: Operator, scans: ScanOperator[], storage: string, delta: DeltaSource): ImmediateStep {
  const plan = compilePlan(tree, scans, storage, false, delta);
  return new ImmediateStep(plan.lock, plan.differential);
}

/**
 * One program source per table the scans read (a table read twice is one source), with every
 * column read from it: the named tables, the tables inheriting from those read with inheritance
 * (role `inherited`), and the ancestors of all of them (role `ancestor`, no columns).
 */
function programSources(scans: ScanOperator[]): ProgramSource[] {
  const out: ProgramSource[] = [];
  for (let role = 0; role < 3; role++) {
    for (let i = 0; i < scans.length; i++) {
      if (isDerived(scans[i])) continue;
      const members = scans[i].members();
      const tables = role == 0 ? [scans[i].source] : role == 1 ? members.slice(1) : scans[i].ancestors();
      for (let t = 0; t < tables.length; t++) {
        addSource(out, tables[t], role == 2 ? [] : scans[i].columns, role == 0 ? "" : role == 1 ? "inherited" : "ancestor");
      }
    }
  }
  return out;
}

/** Adds table `s` read for `columns` to `out`, or those columns to its source there (which keeps the role it has). */
function addSource(out: ProgramSource[], s: RelationInfo, columns: string[], role: string): void {
  for (let k = 0; k < out.length; k++) {
    if (out[k].oid != s.oid) continue;
    for (let c = 0; c < columns.length; c++) if (!out[k].columns.includes(columns[c])) out[k].columns.push(columns[c]);
    return;
  }
  const source = new ProgramSource(s.oid, s.schema, s.name, s.relkind, columns.slice(0), s.isStreamTable);
  source.role = role;
  out.push(source);
}

/** The catalog description of source `oid` among the scans and the tables inheriting from them. */
function sourceRelation(scans: ScanOperator[], oid: string): RelationInfo {
  for (let i = 0; i < scans.length; i++) {
    const members = scans[i].members();
    for (let m = 0; m < members.length; m++) if (members[m].oid == oid) return members[m];
  }
  assert(false, "source without a scan");
  return scans[0].source;
}

/** The statement that creates (or drops) the IMMEDIATE statement triggers on every source of stream table `storage`. */
export function immediateTriggers(storage: string, enable: bool): Statement {
  return new Statement("SELECT pgtrickle._immediate_triggers(pgt_id, " + (enable ? "true" : "false")
    + ") FROM pgtrickle.pgt_stream_tables WHERE pgt_relid = " + quoteLiteral(storage) + "::regclass");
}

/** Output names must be unique and must not use the reserved `__pgt_` prefix. */
export function checkOutputNames(q: AnalyzedQuery): EngineError | null {
  const seen: string[] = [];
  for (let i = 0; i < q.outputs.length; i++) {
    const name = q.outputs[i].name;
    if (name.startsWith("__pgt_")) {
      return new EngineError(ErrorCode.ReservedColumnName, "column name \"" + name + "\" is reserved")
        .withDetail("Column names starting with __pgt_ are reserved for pg_trickle's hidden columns.")
        .withHint("Rename the column with AS.");
    }
    if (seen.includes(name)) {
      return new EngineError(ErrorCode.DuplicateColumn, "column \"" + name + "\" specified more than once")
        .withHint("Give each output column of the defining query a distinct name with AS.");
    }
    seen.push(name);
  }
  return null;
}

/** The defining query as it stands, as a SELECT of its columns. */
function querySelect(defining: DefiningQuery): string {
  return subquerySelect(statementText(defining.query, changetype<PNode>(defining.raw)));
}

/** A SELECT of the columns of query `text`. */
function subquerySelect(text: string): string {
  return "SELECT * FROM (\n" + text + "\n) AS __pgt_q";
}

/** The text of the one statement in `query` (no trailing semicolon or comment), for embedding as a subquery. */
function statementText(query: string, raw: PNode): string {
  const range = statementRange(query, raw);
  return query.substring(range[0], range[1]);
}

/** Records every table a non-differentiable query reads, for the dependency catalog. */
function collectSources(node: PNode, program: RefreshProgram): void {
  const references = relationReferences(node);
  const seen: string[] = [];
  for (let i = 0; i < references.length; i++) {
    const rel = lookupRelation(references[i].str("schemaname"), references[i].str("relname"));
    if (rel !== null && !seen.includes(rel.oid)) {
      seen.push(rel.oid);
      program.sources.push(new ProgramSource(rel.oid, rel.schema, rel.name, rel.relkind, [], rel.isStreamTable));
    }
  }
}

/**
 * pgt_dependencies.cdc_mode of a source of kind `relkind` read by a stream table refreshed in
 * `mode`: `immediate` when statement triggers read its transition tables (`statementTriggers`,
 * an IMMEDIATE program of a one-table query), else `trigger` (captured into a change buffer)
 * for a differentiable query. A view's own changes are not captured: its tables are sources too.
 */
export function cdcMode(relkind: string, mode: string, differentiable: bool, statementTriggers: bool, role: string = ""): string {
  if (relkind == "v") return "none";
  // An ancestor is not captured; an IMMEDIATE stream table has its statement triggers there.
  if (role == "ancestor") return mode == "IMMEDIATE" && differentiable ? "immediate" : "none";
  if (mode == "IMMEDIATE" && statementTriggers) return "immediate";
  return differentiable ? "trigger" : "none";
}

/** pgt_dependencies.source_type of a source. */
export function sourceType(source: ProgramSource): string {
  const relkind = source.relkind;
  if (source.isStreamTable) return "STREAM_TABLE";
  if (relkind == "v") return "VIEW";
  if (relkind == "m") return "MATVIEW";
  if (relkind == "f") return "FOREIGN_TABLE";
  return "TABLE";
}

/** The catalog rows of the new stream table and one dependency row per source. */
function catalogRows(
  out: Statement[], storage: string, schema: string, name: string, query: string,
  mode: string, requested: string, schedule: string | null, program: RefreshProgram,
): void {
  const scheduleSql = schedule === null ? "NULL" : quoteLiteral(schedule);
  const reason = program.reason.length > 0 ? quoteLiteral(program.reason) : "NULL";
  out.push(new Statement("INSERT INTO pgtrickle.pgt_stream_tables (pgt_relid, pgt_name, pgt_schema, defining_query, original_query,\n"
    + "  schedule, refresh_mode, requested_mode, effective_refresh_mode, downgrade_reason, database_identity, refresh_program)\nVALUES ("
    + quoteLiteral(storage) + "::regclass, " + quoteLiteral(name) + ", " + quoteLiteral(schema) + ", " + quoteLiteral(query) + ", "
    + quoteLiteral(query) + ",\n  " + scheduleSql + ", " + quoteLiteral(mode) + ", " + quoteLiteral(requested) + ", " + quoteLiteral(mode)
    + ", " + reason + ", pgtrickle._database_identity(), " + quoteLiteral(program.toJson()) + "::jsonb)"));
  dependencyRows(out, "pgt_relid = " + quoteLiteral(storage) + "::regclass", mode, program);
}

/** One pgt_dependencies row per source of `program`, for the stream table `where` selects (refreshed in `mode`). */
export function dependencyRows(out: Statement[], where: string, mode: string, program: RefreshProgram): void {
  for (let i = 0; i < program.sources.length; i++) {
    const s = program.sources[i];
    const cols: string[] = [];
    for (let c = 0; c < s.columns.length; c++) cols.push(quoteLiteral(s.columns[c]));
    const cdc = quoteLiteral(cdcMode(s.relkind, mode, program.differentiable, program.immediate !== null, s.role));
    out.push(new Statement("INSERT INTO pgtrickle.pgt_dependencies (pgt_id, source_relid, source_type, columns_used, cdc_mode)\n"
      + "SELECT pgt_id, " + s.oid + ", " + quoteLiteral(sourceType(s)) + ", ARRAY[" + cols.join(", ") + "]::text[], " + cdc
      + "\nFROM pgtrickle.pgt_stream_tables WHERE " + where));
  }
}
