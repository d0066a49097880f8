/**
 * @fileoverview The monitoring surface (src/sql/monitoring.ts) as the install script declares it:
 * every signature of SQL API §2 to the letter, how each function is defined (SQL-standard body,
 * volatility, security, pinned search_path), who may call it, and the declaration-model features
 * it added (RETURNS TABLE columns, function settings). Values are checked against live servers in
 * tests/integration/monitoring.test.ts.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { catalog } from "../../src/sql/catalog.ts";
import { identityArgumentTypes, parameter, resultColumn, validateDeclaration, type SqlFunction } from "../../src/sql/declare.ts";
import { renderInstallScript } from "../../src/sql/generate.ts";
import { renderObject } from "../../src/sql/render.ts";
import { createFunction, names, option, parseInstallScript, signature, statementsOf, typeName, type Node } from "./parsed-script.ts";

beforeAll(async () => {
  await parseInstallScript(renderInstallScript(catalog));
});

/** The spelling SQL_API.md uses for the parser's type names. */
const contractTypes: Record<string, string> = {
  "pg_catalog.int4": "int",
  "pg_catalog.int8": "bigint",
  "pg_catalog.bool": "bool",
  "pg_catalog.float8": "float8",
  "pg_catalog.timestamptz": "timestamptz",
  "pg_catalog.interval": "interval",
};

/** A function's signature written as SQL_API.md writes it. */
function contractSignature(name: string): string {
  const parameters = signature(name);
  const type = (t: string) => contractTypes[t] ?? t;
  const inputs = parameters
    .filter((p) => p.mode !== "FUNC_PARAM_TABLE")
    .map((p) => `${p.name} ${type(p.type)}${p.default === undefined ? "" : ` DEFAULT ${p.default}`}`);
  const columns = parameters.filter((p) => p.mode === "FUNC_PARAM_TABLE").map((p) => `${p.name} ${type(p.type)}`);
  const returns = columns.length > 0 ? `TABLE(${columns.join(", ")})` : type(typeName(createFunction(name).returnType));
  return `${name}(${inputs.join(", ")}) RETURNS ${returns}`;
}

/** Transcribed from SQL_API.md §2 (pgt_scc_status and version are not part of this file). */
const contract = [
  "pgt_status() RETURNS TABLE(name text, status text, refresh_mode text, is_populated bool, consecutive_errors int, schedule text, data_timestamp timestamptz, staleness interval, scc_id int)",
  "get_refresh_history(name text, max_rows int DEFAULT 20) RETURNS TABLE(refresh_id bigint, data_timestamp timestamptz, start_time timestamptz, end_time timestamptz, action text, status text, rows_inserted bigint, rows_deleted bigint, duration_ms float8, error_message text)",
  "refresh_timeline(max_rows int DEFAULT 50) RETURNS TABLE(start_time timestamptz, stream_table text, action text, status text, rows_inserted bigint, rows_deleted bigint, duration_ms float8, error_message text)",
  "get_staleness(name text) RETURNS float8",
  "health_check() RETURNS TABLE(check_name text, severity text, detail text)",
  "change_buffer_sizes() RETURNS TABLE(stream_table text, source_table text, source_oid bigint, cdc_mode text, pending_rows bigint, buffer_bytes bigint)",
  "dependency_tree() RETURNS TABLE(tree_line text, node text, node_type text, depth int, status text, refresh_mode text)",
  "explain_st(name text, with_analyze bool DEFAULT false) RETURNS TABLE(property text, value text)",
  "explain_refresh_mode(name text) RETURNS TABLE(configured_mode text, effective_mode text, downgrade_reason text)",
  "diamond_groups() RETURNS TABLE(group_id int, member_name text, member_schema text, is_convergence bool, epoch bigint, schedule_policy text)",
];

const publicFunctions = contract.map((line) => line.slice(0, line.indexOf("(")));
const helpers = ["_stream_table_id", "_scheduler_pid", "_pending_changes", "_explain_analyze", "_dependency_graph_dot"];

/** Whom a GRANT of `objtype` on `object` goes to, e.g. ["EXECUTE PUBLIC"]. */
function grantsOn(objtype: string, matches: (object: Node) => boolean): string[] {
  return statementsOf("GrantStmt")
    .filter((g) => g.is_grant && g.objtype === objtype && g.objects.some(matches))
    .flatMap((g) => g.privileges.map((p: Node) => `${p.AccessPriv.priv_name.toUpperCase()} ${g.grantees[0].RoleSpec.roletype === "ROLESPEC_PUBLIC" ? "PUBLIC" : "?"}`));
}

function functionGrants(name: string): string[] {
  return grantsOn("OBJECT_FUNCTION", (o) => names(o.ObjectWithArgs.objname).join(".") === `pgtrickle.${name}`);
}

function viewGrants(name: string): string[] {
  return grantsOn("OBJECT_TABLE", (o) => o.RangeVar?.schemaname === "pgtrickle" && o.RangeVar?.relname === name);
}

function viewColumns(name: string): string[] {
  const view = statementsOf("ViewStmt").find((v) => v.view.relname === name);
  expect(view, `CREATE VIEW pgtrickle.${name}`).toBeDefined();
  return view.aliases.map((a: Node) => a.String.sval);
}

describe("monitoring functions", () => {
  it("have exactly the signatures of SQL API §2", () => {
    expect(publicFunctions.map(contractSignature)).toEqual(contract);
  });

  it("leave out what is not implemented yet", () => {
    const created = statementsOf("CreateFunctionStmt").map((f) => names(f.funcname).join("."));
    expect(created).not.toContain("pgtrickle.pgt_scc_status");
  });

  it("are SQL-standard bodies, STABLE, SECURITY INVOKER, executable by PUBLIC; explain_st and diamond_groups are VOLATILE", () => {
    for (const name of publicFunctions) {
      const fn = createFunction(name);
      expect(option(fn, "language").String.sval, name).toBe("sql");
      expect(fn.sql_body, name).toBeDefined();
      expect(option(fn, "volatility").String.sval, name).toBe(name === "explain_st" || name === "diamond_groups" ? "volatile" : "stable");
      expect(option(fn, "security").Boolean.boolval ?? false, name).toBe(false);
      expect(functionGrants(name), name).toEqual(["EXECUTE PUBLIC"]);
    }
  });

  it("call PL/pgSQL helpers only where SQL cannot do the work, with search_path pinned where they run dynamic SQL", () => {
    const plpgsql = helpers.filter((name) => option(createFunction(name), "language").String.sval === "plpgsql");
    expect(plpgsql).toEqual(["_stream_table_id", "_pending_changes", "_explain_analyze"]);
    const pinned = helpers.filter((name) => option(createFunction(name), "set"));
    expect(pinned).toEqual(["_pending_changes", "_explain_analyze"]);
    for (const name of pinned) {
      const set = option(createFunction(name), "set").VariableSetStmt;
      expect(set.name).toBe("search_path");
      expect(set.args.map((a: Node) => a.A_Const.sval.sval)).toEqual(["pg_catalog", "pg_temp"]);
    }
    // The name resolver must see the caller's search_path, as the C functions do.
    expect(option(createFunction("_stream_table_id"), "set")).toBeUndefined();
    expect(option(createFunction("_pending_changes"), "security").Boolean.boolval).toBe(true);
    expect(option(createFunction("_explain_analyze"), "volatility").String.sval).toBe("volatile");
    for (const name of helpers) expect(functionGrants(name), name).toEqual([]);
  });

  it("raise the C functions' error for an unknown stream table", () => {
    const body = createFunction("_stream_table_id").options.find((o: Node) => o.DefElem.defname === "as").DefElem.arg.List.items[0].String.sval;
    expect(body).toContain(`RAISE EXCEPTION 'stream table "%" does not exist', name`);
    expect(body).toContain("USING ERRCODE = 'undefined_table', HINT = 'pgtrickle.pgt_stream_tables lists the stream tables.'");
  });
});

describe("monitoring views", () => {
  it("declare their columns; quick_health has exactly the contract's", () => {
    expect(viewColumns("quick_health")).toEqual(["total_stream_tables", "error_tables", "stale_tables", "scheduler_running", "status"]);
    expect(viewColumns("stream_tables_info")).toEqual(expect.arrayContaining(["name", "pgt_schema", "pgt_name", "status", "refresh_mode",
      "schedule", "is_populated", "data_timestamp", "staleness", "stale", "sources", "created_at"]));
    expect(viewColumns("pgt_cdc_status")).toEqual(["source_table", "source_oid", "buffer_table", "capture_triggers", "triggers_enabled",
      "consumers", "pending_rows", "buffer_bytes"]);
  });

  it("are readable by PUBLIC", () => {
    for (const name of ["_dependency_edges", "stream_tables_info", "pgt_cdc_status", "quick_health"]) {
      expect(viewGrants(name), name).toEqual(["SELECT PUBLIC"]);
    }
  });
});

describe("declaration model: RETURNS TABLE and function settings", () => {
  const fn: SqlFunction = {
    kind: "function",
    schema: "pgtrickle",
    name: "probe",
    parameters: [parameter("name", "text"), parameter("max_rows", "integer", "20"), resultColumn("id", "bigint"), resultColumn("note", "text")],
    returns: "SETOF record",
    language: "plpgsql",
    body: { kind: "string", text: "BEGIN RETURN; END" },
    volatility: "stable",
    strict: false,
    security: "invoker",
    parallel: "unsafe",
    settings: [{ name: "search_path", value: "pg_catalog, pg_temp" }],
    comment: "x.",
    privileges: [],
  };

  it("renders table columns as RETURNS TABLE and settings as SET clauses", () => {
    const [create] = renderObject(fn);
    expect(create).toContain("CREATE FUNCTION pgtrickle.probe(\n    name text,\n    max_rows integer DEFAULT 20\n)");
    expect(create).toContain("RETURNS TABLE (\n    id bigint,\n    note text\n)");
    expect(create).toContain("PARALLEL UNSAFE\nSET search_path = pg_catalog, pg_temp\nAS $body$");
  });

  it("leaves table columns out of the function's identity", () => {
    expect(identityArgumentTypes(fn)).toEqual(["text", "integer"]);
    expect(renderObject(fn)[1]).toBe("COMMENT ON FUNCTION pgtrickle.probe(text, integer) IS 'x.';");
  });

  it("rejects table columns without SETOF record, with defaults, and malformed setting names", () => {
    const bad: SqlFunction = {
      ...fn,
      returns: "record",
      parameters: [...fn.parameters, { name: "extra", type: "text", mode: "table", default: "'x'" }],
      settings: [{ name: "search_path; DROP", value: "x" }],
    };
    const problems = validateDeclaration({ ...catalog, objects: [...catalog.objects, bad] });
    expect(problems.some((p) => p.includes('RETURNS TABLE columns need returns "SETOF record"'))).toBe(true);
    expect(problems.some((p) => p.includes("a RETURNS TABLE column cannot have a default"))).toBe(true);
    expect(problems.some((p) => p.includes("invalid setting name"))).toBe(true);
    expect(validateDeclaration({ ...catalog, objects: [...catalog.objects, fn] })).toEqual([]);
  });
});
