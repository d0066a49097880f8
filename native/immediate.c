/*
 * immediate.c — IMMEDIATE maintenance: the statement trigger that applies each statement's
 * delta to a stream table inside the writing transaction.
 *
 * pgtrickle._immediate_maintain(pgt_id) is attached to every source of an IMMEDIATE stream
 * table (see pgtrickle._immediate_triggers), in one of two ways.
 *
 * A stream table reading several tables (or one table several times, a view, a subquery that
 * groups, ...) has a BEFORE and an AFTER statement trigger on each source, and its sources keep
 * their change capture. Invariants:
 * - Each statement's changes are applied by a refresh (refresh.c; DIFFERENTIAL, or FULL as a
 *   difference above the change ratio or after a TRUNCATE) inside the writing transaction, once
 *   the last statement writing its sources ends: the BEFORE trigger counts a statement as
 *   pending, the AFTER trigger uncounts it and refreshes when none is left. A
 *   statement changing two sources (a writable CTE, a foreign key's ON DELETE CASCADE, whose
 *   statement runs inside the outer one) is thus applied once, with both changes in the
 *   buffers, and the delta rules' cross terms are counted once. (Applying the inner statement
 *   first would join its change to the other source's state after the outer statement, whose
 *   own change is not applied yet.)
 * - An aborted (sub)transaction forgets the statements it counted.
 * - Concurrent writers wait for each other's refresh to commit (a transaction-level lock): under
 *   READ COMMITTED the second then sees the first one's changes and frontier, so the cross term of
 *   their changes is applied once; under REPEATABLE READ it cannot, and fails with 40001.
 *
 * A stream table over one table has statement steps instead (refresh_program->'immediate'): AFTER
 * INSERT / UPDATE / DELETE triggers with transition tables __pgt_old and __pgt_new, and AFTER
 * TRUNCATE, and no change capture. Invariants:
 * - It runs the engine's DIFFERENTIAL rules with the delta read from the statement's transition
 *   tables (refresh_program->'immediate'), through SPI with those tables registered, as the
 *   stream table's owner and with the program's search_path. A TRUNCATE of the source runs the
 *   program's fullDiff. ROLLBACK and ROLLBACK TO SAVEPOINT undo it with the statement.
 * - Concurrent writers lock only the stream-table rows their delta touches: each step's lock
 *   statement takes a transaction-level advisory lock per touched row, in key order, before the
 *   apply statements run. Under READ COMMITTED those run with a new snapshot, so they see what
 *   an earlier holder of a lock committed. Under REPEATABLE READ and SERIALIZABLE the snapshot
 *   cannot move: the locked rows' stored versions are compared under the transaction snapshot
 *   and the latest one, and a difference is a serialization failure (40001), never a wrong row.
 * - Plans are prepared once per backend and statement kind, and kept (SPI_keepplan); the
 *   transition tables are found by name at each execution. What the plans were made from (the
 *   catalog row) is read again only after a relcache invalidation of the source or the stream
 *   table: every change that matters sends one (the triggers are created and dropped with the
 *   mode, ALTER ... OWNER changes the stream table). Then the plans are kept if the catalog row
 *   is the same version (ctid and xmin), else prepared again.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "pg_trickle.h"
#include "pgt_errors.h"

PG_FUNCTION_INFO_V1(_immediate_maintain);
PG_FUNCTION_INFO_V1(_recursion_too_deep);

/* The statement kinds with a delta step; TRUNCATE has none (it recomputes). */
typedef enum StepKind
{
	STEP_INSERT, STEP_UPDATE, STEP_DELETE, STEP_COUNT
} StepKind;

static const char *const step_names[STEP_COUNT] = {"insert", "update", "delete"};

/* The kept plans of one step. */
typedef struct StepPlans
{
	bool		ready;
	SPIPlanPtr	lock;			/* NULL when the step needs no lock */
	int			napply;
	SPIPlanPtr *apply;			/* in TopMemoryContext */
} StepPlans;

/* Everything cached for one IMMEDIATE stream table, keyed by pgt_id. */
typedef struct ImmediateEntry
{
	int64		pgt_id;
	bool		valid;			/* false after a relcache invalidation of `source` or `storage` */
	bool		has_steps;		/* statement steps; else a refresh after the last pending statement */
	Oid			source;			/* the relation whose trigger filled the entry */
	Oid			storage;
	Oid			owner;
	char		version[64];	/* ctid:xmin of the catalog row the plans were made from */
	char	   *search_path;	/* in TopMemoryContext */
	SPIPlanPtr	check;			/* stored versions of rows by row id (REPEATABLE READ check) */
	StepPlans	steps[STEP_COUNT];
} ImmediateEntry;

static HTAB *immediate_cache = NULL;
static SPIPlanPtr catalog_plan = NULL;

/* The catalog row of the stream table: its version, mode, storage and search_path. */
#define CATALOG_SQL \
	"SELECT s.ctid::text || ':' || s.xmin::text, s.refresh_mode, s.pgt_relid, s.refresh_program->>'searchPath', " \
	"jsonb_typeof(s.refresh_program->'immediate') = 'object' " \
	"FROM pgtrickle.pgt_stream_tables s WHERE s.pgt_id = $1"

/*
 * The statements writing sources of stream tables without statement steps whose AFTER trigger
 * has not fired yet: pgt_id and the transaction nesting level of the statement.
 */
typedef struct PendingStatement
{
	int64		pgt_id;
	int			level;
} PendingStatement;

static PendingStatement *pending = NULL;	/* in TopMemoryContext */
static int	npending = 0;
static int	maxpending = 0;

static SPIPlanPtr
prepare_kept(const char *sql, int nargs, Oid *types)
{
	SPIPlanPtr	plan = SPI_prepare(sql, nargs, types);

	if (plan == NULL)
		elog(ERROR, "pg_trickle: SPI_prepare failed (%s) for: %s", SPI_result_code_string(SPI_result), sql);
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "pg_trickle: SPI_keepplan failed");
	return plan;
}

/* Frees the kept plans of one step (also those of a preparation an error interrupted). */
static void
forget_step(StepPlans *step)
{
	if (step->lock)
		SPI_freeplan(step->lock);
	for (int i = 0; step->apply != NULL && i < step->napply; i++)
		if (step->apply[i])
			SPI_freeplan(step->apply[i]);
	if (step->apply)
		pfree(step->apply);
	memset(step, 0, sizeof(*step));
}

/* Frees the kept plans of `entry` (the catalog row changed). */
static void
forget_plans(ImmediateEntry *entry)
{
	if (entry->check)
		SPI_freeplan(entry->check);
	entry->check = NULL;
	for (int k = 0; k < STEP_COUNT; k++)
		forget_step(&entry->steps[k]);
}

/* The stream table's refresh program (jsonb), read again. */
static JsonbContainer *
read_program(int64 pgt_id)
{
	bool		isnull;
	Datum		program;

	SPI_execute(psprintf("SELECT refresh_program FROM pgtrickle.pgt_stream_tables WHERE pgt_id = " INT64_FORMAT, pgt_id),
				true, 1);
	if (SPI_processed != 1)
		elog(ERROR, "pg_trickle: stream table %lld disappeared", (long long) pgt_id);
	program = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return &DatumGetJsonbP(program)->root;
}

/* Prepares the plans of step `kind` (the transition tables of this kind of statement are registered). */
static void
prepare_step(ImmediateEntry *entry, StepKind kind)
{
	JsonbContainer *immediate = pgt_json_container(read_program(entry->pgt_id), "immediate");
	JsonbContainer *step;
	JsonbContainer *apply;
	StepPlans  *plans = &entry->steps[kind];
	char	   *lock;
	Oid			int4_type = INT4OID;
	Oid			array_type = INT8ARRAYOID;

	forget_step(plans);
	if (immediate == NULL)
		elog(ERROR, "pg_trickle: stream table %lld has no IMMEDIATE program", (long long) entry->pgt_id);
	if (entry->check == NULL)
		entry->check = prepare_kept(pgt_json_text(immediate, "check"), 1, &array_type);
	step = pgt_json_container(immediate, step_names[kind]);
	apply = pgt_json_container(step, "apply");
	lock = pgt_json_text(step, "lock");
	plans->lock = (lock != NULL && lock[0] != '\0') ? prepare_kept(lock, 1, &int4_type) : NULL;
	plans->napply = pgt_json_array_length(apply);
	plans->apply = MemoryContextAllocZero(TopMemoryContext, sizeof(SPIPlanPtr) * Max(plans->napply, 1));
	for (int i = 0; i < plans->napply; i++)
		plans->apply[i] = prepare_kept(pgt_json_text(pgt_json_array_item(apply, i), "sql"), 0, NULL);
	plans->ready = true;
}

/* The owner of relation `relid`. */
static Oid
relation_owner(Oid relid)
{
	HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "pg_trickle: cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	return owner;
}

/* Relcache invalidation: entries reading or writing `relid` (every entry, for InvalidOid) are read again. */
static void
invalidate_entries(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS status;
	ImmediateEntry *entry;

	hash_seq_init(&status, immediate_cache);
	while ((entry = hash_seq_search(&status)) != NULL)
		if (relid == InvalidOid || entry->source == relid || entry->storage == relid)
			entry->valid = false;
}

/*
 * The cache entry of `pgt_id`, fired on `source`, brought up to date with the catalog when it is
 * not valid; NULL when the stream table is gone or not IMMEDIATE (a trigger about to be dropped).
 */
static ImmediateEntry *
cache_entry(int64 pgt_id, Oid source)
{
	ImmediateEntry *entry;
	bool		found;
	Oid			types[1] = {INT8OID};
	Datum		values[1] = {Int64GetDatum(pgt_id)};
	char	   *mode, *version, *search_path;
	bool		isnull;

	if (catalog_plan == NULL)
		catalog_plan = prepare_kept(CATALOG_SQL, 1, types);
	if (immediate_cache == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(int64);
		ctl.entrysize = sizeof(ImmediateEntry);
		immediate_cache = hash_create("pg_trickle IMMEDIATE plans", 16, &ctl, HASH_ELEM | HASH_BLOBS);
		CacheRegisterRelcacheCallback(invalidate_entries, (Datum) 0);
	}
	entry = hash_search(immediate_cache, &pgt_id, HASH_ENTER, &found);
	if (!found)
		memset(((char *) entry) + sizeof(int64), 0, sizeof(ImmediateEntry) - sizeof(int64));
	if (entry->valid && entry->source == source)
		return entry;

	SPI_execute_plan(catalog_plan, values, NULL, true, 1);
	mode = SPI_processed == 1 ? SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2) : NULL;
	if (mode == NULL || strcmp(mode, "IMMEDIATE") != 0)
		return NULL;
	version = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	if (strcmp(entry->version, version) != 0)
	{
		forget_plans(entry);
		strlcpy(entry->version, version, sizeof(entry->version));
	}
	entry->storage = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));
	search_path = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4);
	if (entry->search_path)
		pfree(entry->search_path);
	entry->search_path = MemoryContextStrdup(TopMemoryContext, search_path ? search_path : "");
	entry->has_steps = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 5, &isnull)) && !isnull;
	entry->owner = relation_owner(entry->storage);
	entry->source = source;
	entry->valid = true;
	return entry;
}

/* The stored versions of the rows `row_ids` of the stream table under `snapshot`, as text. */
static char *
row_versions(ImmediateEntry *entry, Datum row_ids, Snapshot snapshot)
{
	char	   *versions;
	int			rc = SPI_execute_snapshot(entry->check, &row_ids, NULL, snapshot, InvalidSnapshot, true, false, 1);

	if (rc != SPI_OK_SELECT)
		elog(ERROR, "pg_trickle: row version check failed (%s)", SPI_result_code_string(rc));
	versions = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	return versions ? versions : "";
}

/*
 * Runs step `kind`: lock the touched rows, check them under REPEATABLE READ, apply the delta.
 */
static void
run_step(ImmediateEntry *entry, StepKind kind)
{
	StepPlans  *step = &entry->steps[kind];

	if (step->lock != NULL)
	{
		Datum		key = Int32GetDatum((int32) entry->pgt_id);
		bool		isnull;
		Datum		row_ids;

		if (SPI_execute_plan(step->lock, &key, NULL, false, 1) != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "pg_trickle: the lock statement of an IMMEDIATE step failed");
		row_ids = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
		if (!isnull && IsolationUsesXactSnapshot())
		{
			char	   *mine = row_versions(entry, row_ids, GetTransactionSnapshot());
			char	   *latest = row_versions(entry, row_ids, GetLatestSnapshot());

			if (strcmp(mine, latest) != 0)
				ereport(ERROR,
						(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
						 errmsg("could not serialize access due to concurrent update of stream table \"%s\"",
								get_rel_name(entry->storage)),
						 errdetail("Another transaction changed rows of the IMMEDIATE stream table that this statement's changes also change."),
						 errhint("Retry the transaction.")));
		}
	}
	for (int i = 0; i < step->napply; i++)
	{
		int			rc = SPI_execute_plan(step->apply[i], NULL, NULL, false, 0);

		if (rc < 0)
			elog(ERROR, "pg_trickle: an IMMEDIATE statement failed (%s)", SPI_result_code_string(rc));
	}
}

/* A TRUNCATE of the source: recompute, changing only the rows that differ (readers see a delta). */
static void
run_truncate(int64 pgt_id)
{
	JsonbContainer *statements = pgt_json_container(read_program(pgt_id), "fullDiff");

	for (int i = 0; i < pgt_json_array_length(statements); i++)
	{
		const char *sql = pgt_json_text(pgt_json_array_item(statements, i), "sql");
		int			rc = SPI_execute(sql, false, 0);

		if (rc < 0)
			elog(ERROR, "pg_trickle: SPI_execute failed (%s) for: %s", SPI_result_code_string(rc), sql);
	}
}

/* Transaction end: nothing is pending any more (an abort left its statements counted). */
static void
pending_xact_callback(XactEvent event, void *arg)
{
	npending = 0;
}

/* A subtransaction aborted: forget the statements it counted. */
static void
pending_subxact_callback(SubXactEvent event, SubTransactionId subid, SubTransactionId parent, void *arg)
{
	int			level = GetCurrentTransactionNestLevel();

	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	while (npending > 0 && pending[npending - 1].level >= level)
		npending--;
}

/* A statement writing a source of stream table `pgt_id` began. */
static void
pending_push(int64 pgt_id)
{
	if (pending == NULL)
	{
		maxpending = 16;
		pending = MemoryContextAlloc(TopMemoryContext, sizeof(PendingStatement) * maxpending);
		RegisterXactCallback(pending_xact_callback, NULL);
		RegisterSubXactCallback(pending_subxact_callback, NULL);
	}
	else if (npending == maxpending)
	{
		maxpending *= 2;
		pending = repalloc(pending, sizeof(PendingStatement) * maxpending);
	}
	pending[npending].pgt_id = pgt_id;
	pending[npending].level = GetCurrentTransactionNestLevel();
	npending++;
}

/*
 * A statement writing a source of `pgt_id` ended: true when no other such statement is still
 * running. (A statement no BEFORE trigger counted — the trigger was created during it — is not in
 * the list.)
 */
static bool
pending_pop(int64 pgt_id)
{
	for (int i = npending - 1; i >= 0; i--)
		if (pending[i].pgt_id == pgt_id)
		{
			memmove(&pending[i], &pending[i + 1], sizeof(PendingStatement) * (npending - i - 1));
			npending--;
			break;
		}
	for (int i = 0; i < npending; i++)
		if (pending[i].pgt_id == pgt_id)
			return false;
	return true;
}

/* The AFTER trigger of a stream table without statement steps: refresh it from its change buffers. */
static void
run_refresh(ImmediateEntry *entry)
{
	char	   *name = quote_qualified_identifier(get_namespace_name(get_rel_namespace(entry->storage)),
												  get_rel_name(entry->storage));

	pgt_refresh(name, "IMMEDIATE", false);
}

/* pgtrickle._immediate_maintain(pgt_id): the statement trigger of IMMEDIATE stream tables. */
Datum
_immediate_maintain(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TriggerEvent event;
	int64		pgt_id;
	ImmediateEntry *entry;
	Oid			save_userid;
	int			save_sec_context, guc_nest_level;
	bool		save_in_progress = pgt_refresh_in_progress;
	bool		last;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event) || trigdata->tg_trigger->tgnargs != 1)
		elog(ERROR, "_immediate_maintain: must be a FOR EACH STATEMENT trigger with one argument");
	event = trigdata->tg_event;
	pgt_id = pg_strtoint64(trigdata->tg_trigger->tgargs[0]);

	/* Only stream tables without statement steps have BEFORE triggers. */
	if (TRIGGER_FIRED_BEFORE(event))
	{
		pending_push(pgt_id);
		return PointerGetDatum(NULL);
	}
	last = pending_pop(pgt_id);
	SPI_connect();
	entry = cache_entry(pgt_id, RelationGetRelid(trigdata->tg_relation));
	if (entry == NULL || (!entry->has_steps && !last))
	{
		SPI_finish();
		return PointerGetDatum(NULL);
	}
	if (entry->has_steps && SPI_register_trigger_data(trigdata) != SPI_OK_TD_REGISTER)
		elog(ERROR, "pg_trickle: SPI_register_trigger_data failed");

	/* Like a foreign-key check: run as the owner of the stream table, not as the writer. */
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(entry->owner, save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	guc_nest_level = NewGUCNestLevel();
	if (entry->search_path[0] != '\0')
		(void) set_config_option("search_path", entry->search_path, PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, 0, false);
	pgt_refresh_in_progress = true;
	PG_TRY();
	{
		if (!entry->has_steps)
			run_refresh(entry);
		else if (TRIGGER_FIRED_BY_TRUNCATE(event))
			run_truncate(pgt_id);
		else
		{
			StepKind	kind = TRIGGER_FIRED_BY_INSERT(event) ? STEP_INSERT
				: TRIGGER_FIRED_BY_UPDATE(event) ? STEP_UPDATE : STEP_DELETE;

			if (!entry->steps[kind].ready)
				prepare_step(entry, kind);
			run_step(entry, kind);
		}
	}
	PG_FINALLY();
	{
		pgt_refresh_in_progress = save_in_progress;
	}
	PG_END_TRY();
	AtEOXact_GUC(true, guc_nest_level);
	SetUserIdAndSecContext(save_userid, save_sec_context);
	SPI_finish();
	return PointerGetDatum(NULL);
}

/*
 * pgtrickle._recursion_too_deep(cte, stream_table, depth): the error of a recursion deeper than
 * pg_trickle.ivm_recursive_max_depth. An IMMEDIATE program's bounded recursive CTEs call it on
 * their first row past the bound, at `depth` (src/engine/analyze/recursion-bound.ts); it never
 * returns.
 */
Datum
_recursion_too_deep(PG_FUNCTION_ARGS)
{
	ereport(ERROR,
			(errcode(PGT_ERRCODE_RECURSION_TOO_DEEP),
			 errmsg("recursion of \"%s\" in stream table \"%s\" exceeds pg_trickle.ivm_recursive_max_depth (%d)",
					PG_ARGISNULL(0) ? "?" : text_to_cstring(PG_GETARG_TEXT_PP(0)),
					PG_ARGISNULL(1) ? "?" : text_to_cstring(PG_GETARG_TEXT_PP(1)),
					pg_trickle_ivm_recursive_max_depth),
			 errdetail("The recursion reached depth %d. IMMEDIATE maintenance recomputes the recursive query inside the "
					   "transaction that changed its sources, so its recursion is bounded: a cycle in the data would make it endless.",
					   PG_ARGISNULL(2) ? 0 : PG_GETARG_INT32(2)),
			 errhint("Raise pg_trickle.ivm_recursive_max_depth (0 removes the bound), or use refresh_mode => 'DIFFERENTIAL', "
					 "which recomputes the query outside the writing transaction.")));
	PG_RETURN_BOOL(false);
}
