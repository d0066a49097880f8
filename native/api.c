/*
 * api.c — the SQL-callable functions of schema pgtrickle.
 *
 * Each marshals its arguments into one engine request and runs the SQL the engine returns,
 * through SPI, in the caller's transaction: a failure anywhere rolls everything back, so no
 * half-created or half-dropped stream table can remain.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "nodes/nodeFuncs.h"
#include "parser/analyze.h"
#include "parser/parser.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/guc.h"
#include "utils/rel.h"

#include "compat.h"
#include "pg_trickle.h"
#include "pgt_errors.h"

PG_FUNCTION_INFO_V1(create_stream_table);
PG_FUNCTION_INFO_V1(drop_stream_table);
PG_FUNCTION_INFO_V1(refresh_stream_table);
PG_FUNCTION_INFO_V1(alter_stream_table);
PG_FUNCTION_INFO_V1(_engine_normalize);
PG_FUNCTION_INFO_V1(_parse_query);
PG_FUNCTION_INFO_V1(_cte_columns);
PG_FUNCTION_INFO_V1(_guard_stream_table);
PG_FUNCTION_INFO_V1(_upgrade_stream_tables);
PG_FUNCTION_INFO_V1(_query_plan);


/* Text argument `n`, or NULL. */
static char *
text_arg(FunctionCallInfo fcinfo, int n)
{
	return PG_ARGISNULL(n) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(n));
}

/* Text argument `n`, which must not be NULL. */
static char *
required_text_arg(FunctionCallInfo fcinfo, int n, const char *what)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(PGT_ERRCODE_INVALID_ARGUMENT),
				 errmsg("%s must not be NULL", what)));
	return text_arg(fcinfo, n);
}

/* Context for errors in the defining query's parse: positions refer to that query. */
static void
defining_query_error_callback(void *arg)
{
	int			pos = geterrposition();

	if (pos > 0)
	{
		errposition(0);
		internalerrposition(pos);
		internalerrquery((const char *) arg);
	}
}

/*
 * The defining query's raw parse tree as outfuncs text. The query is first prepared (not run)
 * so that PostgreSQL itself reports syntax errors, unknown tables and columns, type errors and
 * the like with their positions; the engine then only judges what it can maintain.
 */
static char *
defining_query_tree(const char *query)
{
	ErrorContextCallback callback;
	List	   *tree;

	if (SPI_prepare(query, 0, NULL) == NULL)
		elog(ERROR, "pg_trickle: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	callback.callback = defining_query_error_callback;
	callback.arg = (void *) query;
	callback.previous = error_context_stack;
	error_context_stack = &callback;
	tree = raw_parser(query, RAW_PARSE_DEFAULT);
	error_context_stack = callback.previous;
	return pgt_node_to_string(tree);
}

/* An optional argument passed to the engine as a member of the request's "options" object. */
typedef struct OptionArg
{
	int			argno;			/* position in the SQL signature */
	const char *key;			/* SQL parameter name */
	Oid			type;			/* its SQL type */
} OptionArg;

/* Options of create_stream_table after (name, query, schedule, refresh_mode, initialize). */
static const OptionArg create_options[] = {
	{5, "diamond_consistency", TEXTOID}, {6, "diamond_schedule_policy", TEXTOID}, {7, "cdc_mode", TEXTOID},
	{8, "append_only", BOOLOID}, {9, "pooler_compatibility_mode", BOOLOID}, {10, "partition_by", TEXTOID},
	{11, "max_differential_joins", INT4OID}, {12, "max_delta_fraction", FLOAT8OID},
};

/* Every argument of alter_stream_table after name. */
static const OptionArg alter_options[] = {
	{1, "query", TEXTOID}, {2, "schedule", TEXTOID}, {3, "refresh_mode", TEXTOID}, {4, "status", TEXTOID},
	{5, "diamond_consistency", TEXTOID}, {6, "diamond_schedule_policy", TEXTOID}, {7, "cdc_mode", TEXTOID},
	{8, "append_only", BOOLOID}, {9, "pooler_compatibility_mode", BOOLOID}, {10, "tier", TEXTOID},
	{11, "fuse", TEXTOID}, {12, "fuse_ceiling", INT8OID}, {13, "fuse_sensitivity", INT4OID},
	{14, "partition_by", TEXTOID}, {15, "max_differential_joins", INT4OID}, {16, "max_delta_fraction", FLOAT8OID},
};

/* The JSON object of the non-NULL arguments among `options` (NULL means "not given"). */
static char *
options_json(FunctionCallInfo fcinfo, const OptionArg *options, int count)
{
	StringInfoData out;

	initStringInfo(&out);
	appendStringInfoChar(&out, '{');
	for (int i = 0; i < count; i++)
	{
		int			n = options[i].argno;

		if (PG_ARGISNULL(n))
			continue;
		if (out.len > 1)
			appendStringInfoChar(&out, ',');
		escape_json(&out, options[i].key);
		appendStringInfoChar(&out, ':');
		switch (options[i].type)
		{
			case BOOLOID:
				appendStringInfoString(&out, PG_GETARG_BOOL(n) ? "true" : "false");
				break;
			case INT4OID:
				appendStringInfo(&out, "%d", PG_GETARG_INT32(n));
				break;
			case INT8OID:
				appendStringInfo(&out, INT64_FORMAT, PG_GETARG_INT64(n));
				break;
			case FLOAT8OID:
				appendStringInfo(&out, "%.17g", PG_GETARG_FLOAT8(n));
				break;
			default:
				escape_json(&out, text_to_cstring(PG_GETARG_TEXT_PP(n)));
				break;
		}
	}
	appendStringInfoChar(&out, '}');
	return out.data;
}

/*
 * pgtrickle.create_stream_table(name, query, schedule, refresh_mode, initialize,
 *   diamond_consistency, diamond_schedule_policy, cdc_mode, append_only,
 *   pooler_compatibility_mode, partition_by, max_differential_joins, max_delta_fraction)
 */
Datum
create_stream_table(PG_FUNCTION_ARGS)
{
	char	   *name = required_text_arg(fcinfo, 0, "name");
	char	   *query = required_text_arg(fcinfo, 1, "query");
	char	   *schedule = text_arg(fcinfo, 2);
	char	   *refresh_mode = PG_ARGISNULL(3) ? "AUTO" : text_arg(fcinfo, 3);
	bool		initialize = PG_ARGISNULL(4) ? true : PG_GETARG_BOOL(4);
	PgtRequest	req;
	JsonbContainer *result;
	char	   *storage;

	SPI_connect();
	pgt_check_installed_version("create a stream table");
	pgt_relink_restored(false);
	pgt_request_begin(&req, "create");
	pgt_request_text(&req, "name", name);
	pgt_request_text(&req, "query", query);
	pgt_request_text(&req, "parseTree", defining_query_tree(query));
	pgt_request_int(&req, "serverVersion", PG_VERSION_NUM);
	pgt_request_text(&req, "schedule", schedule);
	pgt_request_text(&req, "refreshMode", refresh_mode);
	pgt_request_bool(&req, "initialize", initialize);
	pgt_request_int(&req, "minScheduleSeconds", pg_trickle_min_schedule_seconds);
	pgt_request_int(&req, "maxGroupingSetBranches", pg_trickle_max_grouping_set_branches);
	pgt_request_int(&req, "topkMaxLimit", pg_trickle_ivm_topk_max_limit);
	pgt_request_text(&req, "volatileFunctionPolicy", pgt_volatile_function_policy_name());
	pgt_request_raw(&req, "options", options_json(fcinfo, create_options, lengthof(create_options)));
	result = pgt_engine_request(pgt_request_end(&req), query);
	pgt_emit_warnings(result);
	pgt_run_statements(result);
	storage = pgt_json_text(result, "storage");
	if (initialize)
		pgt_refresh(storage, "INITIAL", false);
	SPI_finish();
	if (!pgt_scheduler_available())
		ereport(WARNING,
				(errmsg("pg_trickle is not loaded through shared_preload_libraries, so stream table \"%s\" will not be refreshed on schedule", name),
				 errhint("Add pg_trickle to shared_preload_libraries and restart the server; until then refresh it with pgtrickle.refresh_stream_table().")));
	pgt_wake_scheduler_at_commit();
	PG_RETURN_VOID();
}

/* pgtrickle.drop_stream_table(name, cascade) */
Datum
drop_stream_table(PG_FUNCTION_ARGS)
{
	char	   *name = required_text_arg(fcinfo, 0, "name");
	bool		cascade = PG_ARGISNULL(1) ? false : PG_GETARG_BOOL(1);
	PgtRequest	req;

	SPI_connect();
	pgt_check_installed_version(NULL);
	pgt_relink_restored(false);
	pgt_request_begin(&req, "drop");
	pgt_request_text(&req, "name", name);
	pgt_request_bool(&req, "cascade", cascade);
	pgt_run_statements(pgt_engine_request(pgt_request_end(&req), NULL));
	SPI_finish();
	PG_RETURN_VOID();
}

/* pgtrickle.refresh_stream_table(name): a synchronous refresh, recorded as MANUAL. */
Datum
refresh_stream_table(PG_FUNCTION_ARGS)
{
	char	   *name = required_text_arg(fcinfo, 0, "name");

	SPI_connect();
	pgt_check_installed_version(NULL);
	pgt_relink_restored(false);
	pgt_refresh(name, "MANUAL", false);
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * pgtrickle._query_plan(query): what create_stream_table would do with `query`, creating nothing
 * (read by validate_query and explain_query_rewrite). An invalid query raises create's error.
 */
Datum
_query_plan(PG_FUNCTION_ARGS)
{
	char	   *query = required_text_arg(fcinfo, 0, "query");
	MemoryContext caller_context = CurrentMemoryContext;
	PgtRequest	req;
	char	   *text;

	SPI_connect();
	pgt_check_installed_version(NULL);
	pgt_request_begin(&req, "validate");
	pgt_request_text(&req, "query", query);
	pgt_request_text(&req, "parseTree", defining_query_tree(query));
	pgt_request_int(&req, "serverVersion", PG_VERSION_NUM);
	pgt_request_int(&req, "maxGroupingSetBranches", pg_trickle_max_grouping_set_branches);
	pgt_request_int(&req, "topkMaxLimit", pg_trickle_ivm_topk_max_limit);
	pgt_request_text(&req, "volatileFunctionPolicy", pgt_volatile_function_policy_name());
	text = JsonbToCString(NULL, pgt_engine_request(pgt_request_end(&req), query), -1);
	MemoryContextSwitchTo(caller_context);
	text = pstrdup(text);
	SPI_finish();
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(text)));
}

/* pgtrickle.alter_stream_table(name, query, schedule, refresh_mode, status, ...): see SQL_API. */
Datum
alter_stream_table(PG_FUNCTION_ARGS)
{
	char	   *name = required_text_arg(fcinfo, 0, "name");
	PgtRequest	req;
	JsonbContainer *result;

	SPI_connect();
	pgt_check_installed_version("alter a stream table");
	pgt_relink_restored(false);
	pgt_request_begin(&req, "alter");
	pgt_request_text(&req, "name", name);
	pgt_request_int(&req, "minScheduleSeconds", pg_trickle_min_schedule_seconds);
	pgt_request_raw(&req, "options", options_json(fcinfo, alter_options, lengthof(alter_options)));
	result = pgt_engine_request(pgt_request_end(&req), NULL);
	pgt_emit_warnings(result);
	pgt_run_statements(result);
	/* A program that depends on the mode (a bounded recursion) is compiled again for the new one. */
	if (pgt_json_text(result, "rebuild") != NULL)
		pgt_rebuild_stream_tables(psprintf("pgt_id = %s", pgt_json_text(result, "rebuild")));
	/* A switch to or from IMMEDIATE: bring the table up to date now, in this transaction. */
	if (pgt_json_bool(result, "refresh"))
		pgt_refresh(name, "MANUAL", false);
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * pgtrickle._parse_query(query): PostgreSQL's raw parse tree of `query` as nodeToString text. The
 * engine asks for it to read the definition of a view a defining query names (see
 * src/engine/analyze/catalog.ts), the same form it gets for the defining query itself.
 */
Datum
_parse_query(PG_FUNCTION_ARGS)
{
	char	   *query = text_to_cstring(PG_GETARG_TEXT_PP(0));

	PG_RETURN_TEXT_P(cstring_to_text(pgt_node_to_string(raw_parser(query, RAW_PARSE_DEFAULT))));
}

/* Appends to the JSON array in `context` (a StringInfo) each common table expression under `node`. */
static bool
cte_columns_walker(Node *node, void *context)
{
	StringInfo	out = (StringInfo) context;

	if (node == NULL)
		return false;
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, cte_columns_walker, context, 0);
	if (IsA(node, CommonTableExpr))
	{
		CommonTableExpr *cte = (CommonTableExpr *) node;
		ListCell   *lc;

		if (out->len > 1)
			appendStringInfoChar(out, ',');
		appendStringInfo(out, "{\"location\":%d,\"columns\":[", cte->location);
		foreach(lc, cte->ctecolnames)
		{
			if (foreach_current_index(lc) > 0)
				appendStringInfoChar(out, ',');
			escape_json(out, strVal(lfirst(lc)));
		}
		appendStringInfoString(out, "]}");
	}
	return expression_tree_walker(node, cte_columns_walker, context);
}

/*
 * pgtrickle._cte_columns(query): the column names PostgreSQL's parse analysis gives each common
 * table expression of `query`, at any depth, as [{location, columns}] (location: where its name
 * starts, as in the raw parse tree). The engine asks it to keep a recursive CTE's columns when it
 * bounds its recursion (src/engine/analyze/recursion-bound.ts): names PostgreSQL derived itself
 * (`?column?`, a function's name, the columns of `*`) are known only to it.
 */
Datum
_cte_columns(PG_FUNCTION_ARGS)
{
	char	   *query = text_to_cstring(PG_GETARG_TEXT_PP(0));
	List	   *tree = raw_parser(query, RAW_PARSE_DEFAULT);
	StringInfoData out;

	initStringInfo(&out);
	appendStringInfoChar(&out, '[');
	if (list_length(tree) == 1)
		(void) cte_columns_walker((Node *) parse_analyze_fixedparams(linitial_node(RawStmt, tree), query, NULL, 0, NULL), &out);
	appendStringInfoChar(&out, ']');
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(out.data)));
}

/*
 * pgtrickle._engine_normalize(query): the engine's canonical text of the query's raw parse tree,
 * one line per statement. Diagnostic; the test suite compares it with the canonical text of the
 * same query read from libpg-query's JSON, proving both front-ends agree.
 */
Datum
_engine_normalize(PG_FUNCTION_ARGS)
{
	char	   *query = text_to_cstring(PG_GETARG_TEXT_PP(0));
	List	   *tree = raw_parser(query, RAW_PARSE_DEFAULT);
	PgtRequest	req;
	JsonbContainer *result;
	JsonbContainer *statements;
	StringInfoData out;

	pgt_request_begin(&req, "normalize");
	pgt_request_text(&req, "parseTree", pgt_node_to_string(tree));
	pgt_request_int(&req, "serverVersion", PG_VERSION_NUM);
	result = pgt_engine_request(pgt_request_end(&req), query);
	statements = pgt_json_container(result, "statements");
	initStringInfo(&out);
	for (int i = 0; i < pgt_json_array_length(statements); i++)
	{
		JsonbValue *v = getIthJsonbValueFromContainer(statements, i);

		if (i > 0)
			appendStringInfoChar(&out, '\n');
		if (v != NULL && v->type == jbvString)
			appendBinaryStringInfo(&out, v->val.string.val, v->val.string.len);
	}
	PG_RETURN_TEXT_P(cstring_to_text(out.data));
}

/* Trigger on every stream table: only refreshes may change it. */
Datum
_guard_stream_table(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		elog(ERROR, "_guard_stream_table: not called by trigger manager");
	if (!pgt_refresh_in_progress)
		ereport(ERROR,
				(errcode(PGT_ERRCODE_STREAM_TABLE_MODIFIED),
				 errmsg("cannot modify stream table \"%s\" directly",
						RelationGetRelationName(trigdata->tg_relation)),
				 errdetail("Stream tables are changed only by their refreshes."),
				 errhint("Change the source tables, then call pgtrickle.refresh_stream_table().")));
	return PointerGetDatum(NULL);
}

/*
 * pgtrickle._upgrade_stream_tables(): called by the last step of ALTER EXTENSION pg_trickle
 * UPDATE. Recompiles every stream table's defining query with this library (under the
 * search_path it was created with) and stores the new refresh program; sources get this
 * version's capture functions. Storage, frontiers and buffered changes are kept, so refreshes
 * continue where they stopped. In an intermediate step of a chain of updates (the extension's
 * recorded version is not yet this library's) it does nothing: the last step does the work.
 * Stream tables in status ERROR (a source was dropped) cannot be recompiled and keep their program.
 */
Datum
_upgrade_stream_tables(PG_FUNCTION_ARGS)
{
	char	   *installed;
	Oid			extension = CurrentExtensionObject;

	if (!creating_extension)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("pgtrickle._upgrade_stream_tables() may only be called by ALTER EXTENSION pg_trickle UPDATE")));
	SPI_connect();
	installed = pgt_installed_version();
	if (installed == NULL || strcmp(installed, PGT_VERSION) != 0)
	{
		SPI_finish();
		PG_RETURN_VOID();
	}
	/*
	 * What the rebuild creates or replaces (capture functions) belongs to stream tables, not to
	 * the extension: run it outside the update script's extension context, or PostgreSQL would
	 * make new objects members of the extension and refuse to replace non-members. Restored
	 * stream tables not linked yet are rebuilt when they are (see restore.c).
	 */
	creating_extension = false;
	CurrentExtensionObject = InvalidOid;
	PG_TRY();
	{
		(void) pgt_relink_restored(true);
		pgt_rebuild_stream_tables("database_identity = pgtrickle._database_identity()");
	}
	PG_FINALLY();
	{
		creating_extension = true;
		CurrentExtensionObject = extension;
	}
	PG_END_TRY();
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * Recompiles the stream tables the SQL condition `where` selects (SPI connected): each one's
 * defining query under the search_path it was created with, its refresh program stored, its
 * sources given this library's capture functions. Stream tables in status ERROR (a source is
 * gone) cannot be recompiled and keep their program.
 */
void
pgt_rebuild_stream_tables(const char *where)
{
	uint64		count;
	char	  **rows;

	/* Not read-only: it must see what the caller's statements wrote (alter_stream_table's new mode). */
	SPI_execute(psprintf("SELECT json_build_object('pgtId', pgt_id, 'schema', pgt_schema, 'name', pgt_name, "
						 "'query', original_query, 'refreshMode', refresh_mode, "
						 "'searchPath', refresh_program->>'searchPath', 'status', status)::text "
						 "FROM pgtrickle.pgt_stream_tables WHERE %s ORDER BY pgt_id", where), false, 0);
	count = SPI_processed;
	rows = palloc(sizeof(char *) * count);
	for (uint64 i = 0; i < count; i++)
		rows[i] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
	for (uint64 i = 0; i < count; i++)
	{
		JsonbContainer *st = &DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(rows[i])))->root;
		char	   *query = pgt_json_text(st, "query");
		char	   *search_path = pgt_json_text(st, "searchPath");
		int			guc_nest_level;
		PgtRequest	req;

		if (strcmp(pgt_json_text(st, "status"), "ERROR") == 0)
		{
			ereport(NOTICE,
					(errmsg("stream table %s.%s is in status ERROR and keeps its refresh program",
							quote_identifier(pgt_json_text(st, "schema")), quote_identifier(pgt_json_text(st, "name")))));
			continue;
		}
		guc_nest_level = NewGUCNestLevel();
		if (search_path != NULL && search_path[0] != '\0')
			(void) set_config_option("search_path", search_path, PGC_USERSET, PGC_S_SESSION,
									 GUC_ACTION_SAVE, true, 0, false);
		pgt_request_begin(&req, "rebuild");
		pgt_request_raw(&req, "pgtId", pgt_json_text(st, "pgtId"));
		pgt_request_text(&req, "schema", pgt_json_text(st, "schema"));
		pgt_request_text(&req, "name", pgt_json_text(st, "name"));
		pgt_request_text(&req, "query", query);
		pgt_request_text(&req, "parseTree", defining_query_tree(query));
		pgt_request_int(&req, "serverVersion", PG_VERSION_NUM);
		pgt_request_text(&req, "refreshMode", pgt_json_text(st, "refreshMode"));
		pgt_request_text(&req, "volatileFunctionPolicy", pgt_volatile_function_policy_name());
		pgt_run_statements(pgt_engine_request(pgt_request_end(&req), query));
		AtEOXact_GUC(true, guc_nest_level);
	}
}
