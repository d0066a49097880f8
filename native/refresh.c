/*
 * refresh.c — running one refresh of one stream table.
 *
 * Invariants:
 * - Every statement of a refresh (probe, FULL or DIFFERENTIAL program, bookkeeping) runs under
 *   ONE registered snapshot, taken after the stream table's row is locked. The sources, the
 *   change-buffer window and the frontier recorded at the end therefore describe the same
 *   moment, and each buffered change is consumed by exactly one refresh (see the engine's
 *   operators/scan.ts for the window rule).
 * - Two refreshes of one stream table never overlap: the second fails at once with SQLSTATE
 *   55000 instead of waiting (a transaction-level advisory lock keyed by pgt_id).
 * - A refresh without a frontier (see lock_sources) locks the sources first and takes its
 *   snapshot after: it cannot miss a write committed while it waited. So does a refresh that
 *   reinitializes (a view it reads was replaced: its program is recompiled, perhaps capturing
 *   new tables whose triggers other transactions see only after this one commits).
 * - pgt_refresh_in_progress is true only while program statements run (here or in an IMMEDIATE
 *   trigger, see immediate.c); the guard trigger on stream tables lets writes through only then.
 * The caller must be connected to SPI.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "pg_trickle.h"
#include "pgt_errors.h"

/* First key of the advisory locks that serialise refreshes ('pgtr'). */
#define PGT_REFRESH_LOCK_CLASS 0x70677472

/* Parameters every refresh statement is prepared with (all text; the SQL casts them). */
enum
{
	P_SNAPSHOT, P_XMIN, P_OWN_XID, P_OWN_SEQ,	/* $1..$4: the previous frontier */
	P_ACTION, P_INSERTED, P_DELETED, P_INITIATED_BY, P_START, P_PGT_ID,
	P_DELTA_ROWS, P_FALLBACK, P_REASON,
	P_COUNT
};

bool		pgt_refresh_in_progress = false;

typedef struct RefreshParams
{
	Datum		values[P_COUNT];
	char		nulls[P_COUNT];
} RefreshParams;

static void
set_param(RefreshParams *p, int index, const char *value)
{
	p->nulls[index] = value ? ' ' : 'n';
	p->values[index] = value ? CStringGetTextDatum(value) : (Datum) 0;
}

/* Runs `sql` with the refresh parameters under `snapshot`; returns SPI's result code. */
static int
run_with_snapshot(const char *sql, RefreshParams *params, Snapshot snapshot)
{
	Oid			types[P_COUNT];
	SPIPlanPtr	plan;
	int			rc;

	for (int i = 0; i < P_COUNT; i++)
		types[i] = TEXTOID;
	plan = SPI_prepare(sql, P_COUNT, types);
	if (plan == NULL)
		elog(ERROR, "pg_trickle: SPI_prepare failed (%s) for: %s", SPI_result_code_string(SPI_result), sql);
	rc = SPI_execute_snapshot(plan, params->values, params->nulls, snapshot, InvalidSnapshot, false, true, 0);
	if (rc < 0)
		elog(ERROR, "pg_trickle: SPI_execute_snapshot failed (%s) for: %s", SPI_result_code_string(rc), sql);
	SPI_freeplan(plan);
	return rc;
}

/* Column `col` (1-based) of the first result row as text, or NULL. */
static char *
result_text(int col)
{
	if (SPI_processed == 0)
		return NULL;
	return SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col);
}

/*
 * Looks up the stream table, locks it against concurrent refreshes, and loads its row into
 * SPI_tuptable. When another refresh holds it: false if `skip_if_busy`, else an ERROR — or,
 * with `wait`, wait for it to commit.
 */
static bool
lock_stream_table(const char *name, bool skip_if_busy, bool wait)
{
	Oid			types[1] = {TEXTOID};
	Datum		values[1] = {CStringGetTextDatum(name)};
	int64		pgt_id;
	bool		isnull;

	SPI_execute_with_args(psprintf("SELECT pgt_id, %s, status, last_error_message, needs_reinit "
								   "FROM pgtrickle.pgt_stream_tables WHERE pgt_relid = to_regclass($1)",
								   psprintf(wait ? "(SELECT true FROM pg_advisory_xact_lock(%d, pgt_id::int4))"
											: "pg_try_advisory_xact_lock(%d, pgt_id::int4)", PGT_REFRESH_LOCK_CLASS)),
						  1, types, values, NULL, false, 1);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(PGT_ERRCODE_UNDEFINED_TABLE),
				 errmsg("stream table \"%s\" does not exist", name),
				 errhint("pgtrickle.pgt_stream_tables lists the stream tables.")));
	/* ERROR: a source is gone (dropped, or not part of a restored dump); its program cannot run. */
	if (strcmp(result_text(3), "ERROR") == 0)
		ereport(ERROR,
				(errcode(PGT_ERRCODE_UNDEFINED_TABLE),
				 errmsg("stream table \"%s\" cannot be refreshed", name),
				 errdetail("Its status is ERROR: %s.", result_text(4) ? result_text(4) : "unknown reason"),
				 errhint("Drop it with pgtrickle.drop_stream_table() and create it again once its sources exist.")));
	pgt_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	if (!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull)))
	{
		if (skip_if_busy)
			return false;
		ereport(ERROR,
				(errcode(PGT_ERRCODE_REFRESH_IN_PROGRESS),
				 errmsg("another refresh of stream table \"%s\" is already in progress", name),
				 errhint("Retry after it finishes.")));
	}

	/* A view the query reads was replaced: recompile its program first; the refresh then recomputes it. */
	if (DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 5, &isnull)))
		pgt_rebuild_stream_tables(psprintf("pgt_id = " INT64_FORMAT, pgt_id));

	/* FOR UPDATE: under REPEATABLE READ a frontier moved by a refresh we cannot see is a serialization failure. */
	SPI_execute(psprintf("SELECT pgt_id, refresh_program::text, refresh_mode, is_populated, "
						 "frontier->>'snapshot', frontier->>'xmin', frontier->>'own_xid', frontier->>'own_seq', "
						 "refresh_program->>'probe', refresh_program->>'searchPath', "
						 "EXISTS (SELECT 1 FROM pgtrickle.pgt_dependencies d WHERE d.source_relid = pgt_relid "
						 "AND d.cdc_mode IN ('trigger', 'immediate')), needs_reinit, "
						 "jsonb_typeof(refresh_program->'immediate') = 'object' "
						 "FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " INT64_FORMAT " FOR UPDATE", pgt_id),
				false, 1);
	return true;
}

/*
 * Locks every source of stream table `pgt_id` against writers (SHARE), in oid order. A refresh
 * that does not start from a frontier (the first one, the first after a mode switch, any refresh
 * of an IMMEDIATE table with statement steps) must not miss a write that commits while it runs:
 * no buffered change will bring that write later.
 */
static void
lock_sources(const char *pgt_id)
{
	SPI_execute(psprintf("SELECT source_relid FROM pgtrickle.pgt_dependencies WHERE pgt_id = %s ORDER BY 1", pgt_id),
				true, 0);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;

		LockRelationOid(DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull)),
						ShareLock);
	}
}

/*
 * Refreshes the stream table `name`; history records it as initiated by `initiated_by`.
 * Returns false, having done nothing, when `skip_if_busy` and another refresh of it is running.
 *
 * Initiated by "IMMEDIATE": the refresh an IMMEDIATE trigger runs at the end of a statement
 * writing the sources of a stream table without statement steps (see immediate.c). It waits for
 * a concurrent one to commit: under READ COMMITTED it then reads that one's frontier and
 * changes, and under REPEATABLE READ the frontier it cannot see is a serialization failure (the
 * row lock below). It leaves no history row.
 */
bool
pgt_refresh(const char *name, const char *initiated_by, bool skip_if_busy)
{
	RefreshParams params;
	Snapshot	snapshot;
	char	   *pgt_id, *program, *refresh_mode, *populated, *start;
	char	   *probe_truncates = "0", *probe_changes = "0", *probe_rows = "0", *probe_sources = "";
	int64		inserted = 0, deleted = 0;
	PgtRequest	req;
	JsonbContainer *decision;
	JsonbContainer *statements;
	char	   *probe_sql;
	char	   *reason;
	char	   *search_path;
	bool		consumed;
	bool		reinitialize;
	bool		statement_steps;
	bool		in_statement = strcmp(initiated_by, "IMMEDIATE") == 0;
	bool		from_scratch;
	bool		was_in_progress;
	int			guc_nest_level;

	for (int i = 0; i < P_COUNT; i++)
		set_param(&params, i, NULL);
	if (!lock_stream_table(name, skip_if_busy, in_statement))
		return false;
	pgt_id = result_text(1);
	program = result_text(2);
	refresh_mode = result_text(3);
	populated = result_text(4);
	set_param(&params, P_SNAPSHOT, result_text(5));
	set_param(&params, P_XMIN, result_text(6));
	set_param(&params, P_OWN_XID, result_text(7));
	set_param(&params, P_OWN_SEQ, result_text(8));
	probe_sql = result_text(9);
	search_path = result_text(10);
	consumed = strcmp(result_text(11), "t") == 0;
	reinitialize = strcmp(result_text(12), "t") == 0;
	/* IMMEDIATE with statement steps: triggers apply the transition tables, nothing is buffered. */
	statement_steps = strcmp(refresh_mode, "IMMEDIATE") == 0 && result_text(13) != NULL && strcmp(result_text(13), "t") == 0;
	start = DatumGetCString(DirectFunctionCall1(timestamptz_out, TimestampTzGetDatum(GetCurrentTimestamp())));

	/*
	 * Without a frontier the refresh reads everything as of its snapshot, which must be taken after
	 * the sources are locked; under REPEATABLE READ the transaction's snapshot may be older than
	 * the lock, so the latest one is used.
	 */
	from_scratch = statement_steps || reinitialize || strcmp(populated, "t") != 0 || params.nulls[P_SNAPSHOT] == 'n';
	if (from_scratch)
		lock_sources(pgt_id);
	CommandCounterIncrement();
	snapshot = RegisterSnapshot(from_scratch && IsolationUsesXactSnapshot() ? GetLatestSnapshot() : GetTransactionSnapshot());

	/* Names in the program resolve as they did at creation, like a function with a SET clause. */
	guc_nest_level = NewGUCNestLevel();
	if (search_path != NULL && search_path[0] != '\0')
		(void) set_config_option("search_path", search_path, PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);

	/* Statement steps leave no change buffer to probe. */
	if (probe_sql != NULL && probe_sql[0] != '\0' && params.nulls[P_SNAPSHOT] != 'n' && !statement_steps)
	{
		run_with_snapshot(probe_sql, &params, snapshot);
		probe_truncates = result_text(1);
		probe_changes = result_text(2);
		probe_rows = result_text(3);
		/* Programs compiled before 0.4.0 probe three columns. */
		if (SPI_tuptable->tupdesc->natts >= 4 && result_text(4) != NULL)
			probe_sources = result_text(4);
	}

	pgt_request_begin(&req, "refresh");
	pgt_request_raw(&req, "pgtId", pgt_id);
	pgt_request_raw(&req, "program", program);
	pgt_request_bool(&req, "populated", strcmp(populated, "t") == 0);
	pgt_request_bool(&req, "hasFrontier", params.nulls[P_SNAPSHOT] != 'n');
	pgt_request_bool(&req, "consumed", consumed);
	pgt_request_bool(&req, "reinitialize", reinitialize);
	pgt_request_raw(&req, "probe", psprintf("{\"truncates\":\"%s\",\"changes\":\"%s\",\"sourceRows\":\"%s\",\"perSource\":\"%s\"}",
											probe_truncates, probe_changes, probe_rows ? probe_rows : "0", probe_sources));
	pgt_request_text(&req, "refreshMode", refresh_mode);
	pgt_request_bool(&req, "inStatement", in_statement);
	pgt_request_bool(&req, "forceFull", pg_trickle_force_full_refresh);
	pgt_request_text(&req, "refreshStrategy", pgt_refresh_strategy_name());
	pgt_request_text(&req, "maxChangeRatio", psprintf("%g", pg_trickle_differential_max_change_ratio));
	pgt_request_int(&req, "fullRefreshEvery", pg_trickle_full_refresh_every);
	/* Before ALTER EXTENSION ... UPDATE the history lacks this version's columns. */
	pgt_request_bool(&req, "currentSql", pgt_installed_sql_is_current());
	decision = pgt_engine_request(pgt_request_end(&req), NULL);

	statements = pgt_json_container(decision, "statements");
	was_in_progress = pgt_refresh_in_progress;
	pgt_refresh_in_progress = true;
	PG_TRY();
	{
		for (int i = 0; i < pgt_json_array_length(statements); i++)
		{
			JsonbContainer *stmt = pgt_json_array_item(statements, i);
			char	   *counting = pgt_json_text(stmt, "counting");

			run_with_snapshot(pgt_json_text(stmt, "sql"), &params, snapshot);
			if (counting == NULL)
				continue;
			if (strcmp(counting, "inserted") == 0)
				inserted += SPI_processed;
			else if (strcmp(counting, "deleted") == 0)
				deleted += SPI_processed;
			else if (strcmp(counting, "returned") == 0 && SPI_processed > 0)
			{
				inserted += pg_strtoint64(result_text(1));
				deleted += pg_strtoint64(result_text(2));
			}
		}
	}
	PG_FINALLY();
	{
		pgt_refresh_in_progress = was_in_progress;
	}
	PG_END_TRY();

	set_param(&params, P_ACTION, pgt_json_text(decision, "action"));
	set_param(&params, P_INSERTED, psprintf(INT64_FORMAT, inserted));
	set_param(&params, P_DELETED, psprintf(INT64_FORMAT, deleted));
	set_param(&params, P_INITIATED_BY, initiated_by);
	set_param(&params, P_START, start);
	set_param(&params, P_PGT_ID, pgt_id);
	set_param(&params, P_DELTA_ROWS, pgt_json_text(decision, "deltaRows"));
	set_param(&params, P_FALLBACK, pgt_json_bool(decision, "wasFullFallback") ? "true" : "false");
	reason = pgt_json_text(decision, "reason");
	set_param(&params, P_REASON, (reason && reason[0]) ? reason : NULL);
	run_with_snapshot(pgt_json_text(decision, "finish"), &params, snapshot);
	UnregisterSnapshot(snapshot);
	AtEOXact_GUC(true, guc_nest_level);
	return true;
}
