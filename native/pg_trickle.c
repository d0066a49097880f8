/*
 * pg_trickle.c — module entry: _PG_init and the GUCs.
 *
 * Every GUC registered here is read somewhere in the shim; settings of later capabilities
 * are registered together with the code that reads them. The background workers exist only
 * when the library is loaded by shared_preload_libraries. See pg_trickle.h for the vocabulary.
 */
#include "postgres.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "pg_trickle.h"
#include "pgt_errors.h"

PG_MODULE_MAGIC;

int			pg_trickle_engine_max_memory_mb = 256;
int			pg_trickle_min_schedule_seconds = 1;
double		pg_trickle_differential_max_change_ratio = 0.15;
int			pg_trickle_max_grouping_set_branches = 64;
int			pg_trickle_ivm_topk_max_limit = 1000;
int			pg_trickle_ivm_recursive_max_depth = 100;
int			pg_trickle_full_refresh_every = 0;
int			pg_trickle_refresh_strategy = PGT_STRATEGY_AUTO;
bool		pg_trickle_force_full_refresh = false;
bool		pg_trickle_enabled = true;
int			pg_trickle_scheduler_interval_ms = 1000;
int			pg_trickle_default_schedule_seconds = 1;
int			pg_trickle_max_consecutive_errors = 3;
int			pg_trickle_history_retention_days = 90;
bool		pg_trickle_wake_on_commit = true;
int			pg_trickle_volatile_function_policy = PGT_VOLATILE_REJECT;

static const struct config_enum_entry refresh_strategy_options[] = {
	{"auto", PGT_STRATEGY_AUTO, false},
	{"differential", PGT_STRATEGY_DIFFERENTIAL, false},
	{"full", PGT_STRATEGY_FULL, false},
	{NULL, 0, false}
};

static const struct config_enum_entry volatile_function_policy_options[] = {
	{"reject", PGT_VOLATILE_REJECT, false},
	{"warn", PGT_VOLATILE_WARN, false},
	{"allow", PGT_VOLATILE_ALLOW, false},
	{NULL, 0, false}
};

void		_PG_init(void);

/* Registers the GUCs and, when preloaded, the background workers. */
void
_PG_init(void)
{
	DefineCustomIntVariable("pg_trickle.engine_max_memory_mb",
							"Upper limit of the memory one engine call may use.",
							"A call that needs more fails with an out-of-memory error and is rolled back.",
							&pg_trickle_engine_max_memory_mb,
							256, 1, 4096,
							PGC_SUSET, GUC_UNIT_MB,
							NULL, NULL, NULL);
	DefineCustomIntVariable("pg_trickle.min_schedule_seconds",
							"Shortest duration schedule a stream table may have.",
							"Cron schedules are exempt.",
							&pg_trickle_min_schedule_seconds,
							1, 1, 86400,
							PGC_SUSET, GUC_UNIT_S,
							NULL, NULL, NULL);
	DefineCustomRealVariable("pg_trickle.differential_max_change_ratio",
							 "Pending changes, as a fraction of the source's rows, above which a refresh falls back to FULL.",
							 "Used when pg_trickle.refresh_strategy is auto.",
							 &pg_trickle_differential_max_change_ratio,
							 0.15, 0.0, 1.0,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);
	DefineCustomEnumVariable("pg_trickle.refresh_strategy",
							 "How DIFFERENTIAL stream tables choose between a differential and a full refresh.",
							 "auto: full when the change ratio is high or the last refreshes predict full cheaper; differential: always differential; full: always full.",
							 &pg_trickle_refresh_strategy,
							 PGT_STRATEGY_AUTO, refresh_strategy_options,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("pg_trickle.force_full_refresh",
							 "Makes every refresh a FULL refresh.",
							 NULL,
							 &pg_trickle_force_full_refresh,
							 false,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("pg_trickle.enabled",
							 "Lets the background scheduler refresh stream tables.",
							 "Off: nothing is refreshed on schedule; manual refreshes still work.",
							 &pg_trickle_enabled,
							 true,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("pg_trickle.scheduler_interval_ms",
							"Longest time the scheduler sleeps between two looks at the schedules.",
							"Commits that change a source wake it earlier (pg_trickle.wake_on_commit).",
							&pg_trickle_scheduler_interval_ms,
							1000, 10, 600000,
							PGC_SUSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomIntVariable("pg_trickle.default_schedule_seconds",
							"Period of a 'calculated' schedule that no downstream stream table determines.",
							NULL,
							&pg_trickle_default_schedule_seconds,
							1, 1, 86400,
							PGC_SUSET, GUC_UNIT_S,
							NULL, NULL, NULL);
	DefineCustomIntVariable("pg_trickle.max_consecutive_errors",
							"Failed scheduled refreshes in a row after which a stream table is suspended.",
							"pgtrickle.resume_stream_table() makes it active again.",
							&pg_trickle_max_consecutive_errors,
							3, 1, 1000000,
							PGC_SUSET, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("pg_trickle.history_retention_days",
							"Days refresh history is kept before the scheduler deletes it.",
							NULL,
							&pg_trickle_history_retention_days,
							90, 1, 36500,
							PGC_SUSET, 0,
							NULL, NULL, NULL);
	DefineCustomBoolVariable("pg_trickle.wake_on_commit",
							 "Wakes the scheduler when a transaction that changed a source commits.",
							 "Off: changes wait for the scheduler's next poll (pg_trickle.scheduler_interval_ms).",
							 &pg_trickle_wake_on_commit,
							 true,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("pg_trickle.max_grouping_set_branches",
							"Most grouping sets a GROUPING SETS, ROLLUP or CUBE clause of a differentially maintained query may expand to.",
							"A query with more is maintained by FULL refresh (AUTO) or refused (DIFFERENTIAL).",
							&pg_trickle_max_grouping_set_branches,
							64, 1, 4096,
							PGC_SUSET, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("pg_trickle.ivm_topk_max_limit",
							"Largest LIMIT plus OFFSET of an ORDER BY ... LIMIT query maintained by recomputing its top rows.",
							"A query with a larger one is maintained by FULL refresh (AUTO) or refused (DIFFERENTIAL, IMMEDIATE).",
							&pg_trickle_ivm_topk_max_limit,
							1000, 0, INT_MAX,
							PGC_SUSET, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("pg_trickle.ivm_recursive_max_depth",
							"Deepest recursion of a WITH RECURSIVE query that an IMMEDIATE stream table recomputes inside a writing statement.",
							"A deeper one raises an error that rolls the statement back. 0: no bound. "
							"Read when the statement runs; DIFFERENTIAL and FULL refreshes are not bounded.",
							&pg_trickle_ivm_recursive_max_depth,
							100, 0, INT_MAX,
							PGC_SUSET, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("pg_trickle.full_refresh_every",
							"Makes every N-th refresh of a DIFFERENTIAL stream table that has changes a FULL refresh.",
							"0: never. A periodic recomputation from scratch.",
							&pg_trickle_full_refresh_every,
							0, 0, 1000000,
							PGC_SUSET, 0,
							NULL, NULL, NULL);
	DefineCustomEnumVariable("pg_trickle.volatile_function_policy",
							 "What creating a DIFFERENTIAL or IMMEDIATE stream table whose query calls a volatile function does.",
							 "reject: refuses it (AUTO falls back to FULL); warn: accepts it with a WARNING; allow: accepts it. "
							 "A volatile function is evaluated again only for the rows a refresh changes.",
							 &pg_trickle_volatile_function_policy,
							 PGT_VOLATILE_REJECT, volatile_function_policy_options,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);
	MarkGUCPrefixReserved("pg_trickle");

	if (process_shared_preload_libraries_in_progress)
		pgt_register_background_workers();
}

/* The name of the current pg_trickle.volatile_function_policy. */
const char *
pgt_volatile_function_policy_name(void)
{
	return volatile_function_policy_options[pg_trickle_volatile_function_policy].name;
}

/* The name of the current pg_trickle.refresh_strategy. */
const char *
pgt_refresh_strategy_name(void)
{
	return refresh_strategy_options[pg_trickle_refresh_strategy].name;
}

/* The extension version installed in this database (pg_extension.extversion), or NULL; SPI is connected. */
char *
pgt_installed_version(void)
{
	SPI_execute("SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'pg_trickle'", true, 1);
	return SPI_processed == 1 ? SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1) : NULL;
}

/*
 * Whether the SQL objects installed in this database are this library's version (SPI is
 * connected). Once they are they stay so (the next library comes with a restart), so a backend
 * asks only until then: the refresh path pays one catalog query per backend, not per refresh.
 */
bool
pgt_installed_sql_is_current(void)
{
	static bool current = false;
	char	   *installed;

	if (current)
		return true;
	installed = pgt_installed_version();
	current = installed != NULL && strcmp(installed, PGT_VERSION) == 0;
	return current;
}

/*
 * Compares the SQL objects installed in this database with this library (SPI is connected).
 * They differ between installing a new library and ALTER EXTENSION pg_trickle UPDATE: existing
 * stream tables keep refreshing, with one WARNING per backend; `action` (creating or altering a
 * stream table, whose objects the old SQL could not serve) is refused. NULL `action` only warns.
 */
void
pgt_check_installed_version(const char *action)
{
	/* Once the versions agreed, or the WARNING was given, a call that can only warn asks no more. */
	static bool settled = false;
	char	   *installed;

	if (action == NULL && settled)
		return;
	installed = pgt_installed_version();
	if (installed == NULL || strcmp(installed, PGT_VERSION) == 0)
	{
		settled = true;
		return;
	}
	if (action != NULL)
		ereport(ERROR,
				(errcode(PGT_ERRCODE_EXTENSION_VERSION_MISMATCH),
				 errmsg("cannot %s before the pg_trickle extension is updated", action),
				 errdetail("The pg_trickle library is version %s; this database has extension version %s.",
						   PGT_VERSION, installed),
				 errhint("Run ALTER EXTENSION pg_trickle UPDATE.")));
	ereport(WARNING,
			(errmsg("the pg_trickle library is version %s but this database has extension version %s",
					PGT_VERSION, installed),
			 errdetail("Existing stream tables keep refreshing; creating or altering stream tables waits for the update."),
			 errhint("Run ALTER EXTENSION pg_trickle UPDATE.")));
	settled = true;
}

PG_FUNCTION_INFO_V1(pg_trickle_version);

/* pgtrickle.version(): the version of the loaded library. */
Datum
pg_trickle_version(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(PGT_VERSION));
}
