/*
 * scheduler.c — the background workers and the commit-time wake-up.
 *
 * One launcher per cluster (a static background worker registered in _PG_init) keeps one
 * scheduler (a dynamic background worker) running in every database that has the extension.
 * A scheduler loops over an explicit state machine:
 *
 *   WAIT ──commit wake / timeout──▶ PLAN ──due batches──▶ REFRESH (one transaction per batch)
 *     ▲                               │                          │
 *     └───────────────────────────────┴──── HOUSEKEEP (at most ──┘
 *                                           every PGT_HOUSEKEEPING_MS)
 *
 * PLAN asks the engine which stream tables are due (op "schedule": schedules, DAG order,
 * consistency groups) and when the next one will be. Its answer comes in batches: a diamond's
 * consistency group refreshes in one transaction, every other stream table in one of its own.
 * A refresh that fails is rolled back, counted in the stream table's consecutive_errors and
 * announced on the pg_trickle_alert channel; after pg_trickle.max_consecutive_errors the stream
 * table is suspended. One failing stream table never stops the others.
 *
 * Commit-time wake: a background worker cannot LISTEN, so the capture triggers call
 * pgtrickle._wake_scheduler(), which arms a transaction callback; when the writing transaction
 * commits, the callback sets the latch of its database's scheduler, which plans at once instead
 * of at the next poll.
 *
 * Shared state is one small array of slots, one per database, under a spinlock:
 *
 *   FREE ─▶ WANTED ─launcher starts it─▶ STARTING ─scheduler attaches─▶ RUNNING
 *             ▲  ▲                           │ (failed to start)            │
 *             │  └───────────────────────────┘                              ├─ exits/killed ─▶ WANTED
 *             │                                                             ├─ no extension ─▶ NO_EXTENSION
 *             └──── wake request (create_stream_table, capture) ◀───────────┘                    │
 *                                                                 ◀──────────────────────────────┘
 *   DROP DATABASE / ALTER DATABASE RENAME / SET TABLESPACE / CREATE DATABASE ... TEMPLATE stop the
 *   database's scheduler first (PAUSED) so they are not refused for "other sessions".
 */
#include "postgres.h"

#include <signal.h>
#include <unistd.h>

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "catalog/pg_db_role_setting.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "commands/defrem.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "pg_trickle.h"

/* Databases that can have a scheduler at once. */
#define PGT_MAX_SCHEDULERS 64
/* How often the launcher looks for new databases without being asked. */
#define PGT_LAUNCHER_RESCAN_MS 10000
/* Shortest time between two starts of one database's scheduler. */
#define PGT_RESTART_DELAY_MS 1000
/* How long a database operation keeps its database's scheduler stopped. */
#define PGT_PAUSE_MS 15000
/* Housekeeping (buffer trimming, history pruning) runs at most this often. */
#define PGT_HOUSEKEEPING_MS 10000

typedef enum SlotState
{
	SLOT_FREE,
	SLOT_WANTED,				/* should run; the launcher starts it */
	SLOT_STARTING,				/* registered, not attached yet */
	SLOT_RUNNING,
	SLOT_NO_EXTENSION,			/* ran, found no pg_trickle; restarted only on request */
	SLOT_PAUSED					/* stopped for a database operation until paused_until */
} SlotState;

typedef struct SchedulerSlot
{
	Oid			dboid;
	SlotState	state;
	pid_t		pid;			/* while RUNNING */
	Latch	   *latch;			/* while RUNNING */
	bool		wake;			/* a commit asked for a plan now (the latch alone may be a SIGHUP) */
	TimestampTz not_before;		/* PAUSED: until; WANTED: earliest restart */
} SchedulerSlot;

typedef struct PgtShared
{
	slock_t		mutex;
	Latch	   *launcher_latch;
	SchedulerSlot slots[PGT_MAX_SCHEDULERS];
} PgtShared;

static PgtShared *shared = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
static ProcessUtility_hook_type prev_process_utility_hook = NULL;

/* Whether this backend's transaction wrote to a captured source (wake at commit). */
static bool wake_at_commit = false;
static bool xact_callback_registered = false;

PGDLLEXPORT void pgt_launcher_main(Datum arg);
PGDLLEXPORT void pgt_scheduler_main(Datum arg);

/* ---- shared memory ------------------------------------------------------------------------ */

static void
pgt_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(PgtShared)));
}

static void
pgt_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	shared = ShmemInitStruct("pg_trickle", sizeof(PgtShared), &found);
	if (!found)
	{
		memset(shared, 0, sizeof(PgtShared));
		SpinLockInit(&shared->mutex);
	}
	LWLockRelease(AddinShmemInitLock);
}

/* The slot of `dboid`, or NULL; the caller holds the mutex. */
static SchedulerSlot *
find_slot(Oid dboid)
{
	for (int i = 0; i < PGT_MAX_SCHEDULERS; i++)
		if (shared->slots[i].state != SLOT_FREE && shared->slots[i].dboid == dboid)
			return &shared->slots[i];
	return NULL;
}

/* The slot of `dboid`, taking a free one if it has none (NULL when all are taken); mutex held. */
static SchedulerSlot *
find_or_add_slot(Oid dboid)
{
	SchedulerSlot *slot = find_slot(dboid);

	for (int i = 0; slot == NULL && i < PGT_MAX_SCHEDULERS; i++)
	{
		if (shared->slots[i].state == SLOT_FREE)
		{
			slot = &shared->slots[i];
			memset(slot, 0, sizeof(SchedulerSlot));
			slot->dboid = dboid;
			slot->state = SLOT_WANTED;
		}
	}
	return slot;
}

/* ---- commit-time wake --------------------------------------------------------------------- */

/* At commit: wake this database's scheduler, or ask the launcher to start one. */
static void
wake_xact_callback(XactEvent event, void *arg)
{
	Latch	   *latch = NULL;

	if (!wake_at_commit)
		return;
	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT && event != XACT_EVENT_PREPARE)
		return;
	wake_at_commit = false;
	if (event != XACT_EVENT_COMMIT || shared == NULL)
		return;

	SpinLockAcquire(&shared->mutex);
	{
		SchedulerSlot *slot = find_or_add_slot(MyDatabaseId);

		if (slot != NULL && slot->state == SLOT_RUNNING)
		{
			slot->wake = true;
			latch = slot->latch;
		}
		else if (slot != NULL && slot->state == SLOT_NO_EXTENSION)
		{
			slot->state = SLOT_WANTED;
			latch = shared->launcher_latch;
		}
		else if (slot != NULL && slot->state == SLOT_WANTED)
			latch = shared->launcher_latch;
	}
	SpinLockRelease(&shared->mutex);
	if (latch != NULL)
		SetLatch(latch);
}

/* Arms the wake-up (or the launcher request) for the end of the current transaction. */
void
pgt_wake_scheduler_at_commit(void)
{
	if (!xact_callback_registered)
	{
		RegisterXactCallback(wake_xact_callback, NULL);
		xact_callback_registered = true;
	}
	wake_at_commit = true;
}

/* Whether the background workers exist (the library was in shared_preload_libraries). */
bool
pgt_scheduler_available(void)
{
	return shared != NULL;
}

PG_FUNCTION_INFO_V1(_wake_scheduler);

/*
 * pgtrickle._wake_scheduler(): called by capture triggers before they write; refuses a change
 * while restored stream tables are not linked yet (restore.c) and wakes the scheduler at commit.
 */
Datum
_wake_scheduler(PG_FUNCTION_ARGS)
{
	pgt_check_linked_before_capture();
	if (pg_trickle_wake_on_commit)
		pgt_wake_scheduler_at_commit();
	PG_RETURN_VOID();
}

/* ---- stopping a scheduler for database-level commands ------------------------------------- */

/* Stops the scheduler of database `dbname` (if any) and keeps it stopped for PGT_PAUSE_MS. */
static void
pause_scheduler(const char *dbname)
{
	Oid			dboid = get_database_oid(dbname, true);
	pid_t		pid = 0;

	if (!OidIsValid(dboid))
		return;
	SpinLockAcquire(&shared->mutex);
	{
		SchedulerSlot *slot = find_slot(dboid);

		if (slot != NULL)
		{
			pid = slot->state == SLOT_RUNNING ? slot->pid : 0;
			slot->state = SLOT_PAUSED;
			slot->not_before = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), PGT_PAUSE_MS);
		}
	}
	SpinLockRelease(&shared->mutex);
	/* DROP DATABASE waits up to five seconds for other backends to go; this one goes at once. */
	if (pid != 0)
		kill(pid, SIGTERM);
}

/* The database a utility command needs to itself: the one it drops, renames, moves or copies. */
static const char *
database_needing_exclusive_access(Node *stmt)
{
	ListCell   *lc;

	if (IsA(stmt, DropdbStmt))
		return ((DropdbStmt *) stmt)->dbname;
	if (IsA(stmt, RenameStmt) && ((RenameStmt *) stmt)->renameType == OBJECT_DATABASE)
		return ((RenameStmt *) stmt)->subname;
	if (IsA(stmt, AlterDatabaseStmt))
	{
		foreach(lc, ((AlterDatabaseStmt *) stmt)->options)
			if (strcmp(((DefElem *) lfirst(lc))->defname, "tablespace") == 0)
				return ((AlterDatabaseStmt *) stmt)->dbname;
	}
	if (IsA(stmt, CreatedbStmt))
	{
		foreach(lc, ((CreatedbStmt *) stmt)->options)
			if (strcmp(((DefElem *) lfirst(lc))->defname, "template") == 0)
				return defGetString((DefElem *) lfirst(lc));
	}
	return NULL;
}

static void
pgt_process_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
					ProcessUtilityContext context, ParamListInfo params,
					QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	const char *dbname = database_needing_exclusive_access(pstmt->utilityStmt);

	if (dbname != NULL)
		pause_scheduler(dbname);
	if (prev_process_utility_hook)
		prev_process_utility_hook(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv, dest, qc);
}

/* ---- registration ------------------------------------------------------------------------- */

/* Called from _PG_init while shared_preload_libraries is processed. */
void
pgt_register_background_workers(void)
{
	BackgroundWorker worker;

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = pgt_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = pgt_shmem_startup;
	prev_process_utility_hook = ProcessUtility_hook;
	ProcessUtility_hook = pgt_process_utility;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 5;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "pg_trickle");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "pgt_launcher_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "pg_trickle launcher");
	snprintf(worker.bgw_type, BGW_MAXLEN, "pg_trickle launcher");
	RegisterBackgroundWorker(&worker);
}

/* ---- the launcher ------------------------------------------------------------------------- */

/* Starts the scheduler of `dboid`; false when no background worker slot is free. */
static bool
start_scheduler(Oid dboid, BackgroundWorkerHandle **handle)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "pg_trickle");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "pgt_scheduler_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "pg_trickle scheduler for database %u", dboid);
	snprintf(worker.bgw_type, BGW_MAXLEN, "pg_trickle scheduler");
	worker.bgw_main_arg = ObjectIdGetDatum(dboid);
	worker.bgw_notify_pid = MyProcPid;
	return RegisterDynamicBackgroundWorker(&worker, handle);
}

/* The databases a scheduler may run in: connectable, not templates, not half-dropped. */
static List *
connectable_databases(void)
{
	MemoryContext caller_context = CurrentMemoryContext;
	List	   *oids = NIL;
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tuple;

	StartTransactionCommand();
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while ((tuple = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tuple);

		if (db->datallowconn && !db->datistemplate && db->datconnlimit != DATCONNLIMIT_INVALID_DB)
		{
			MemoryContext transaction_context = MemoryContextSwitchTo(caller_context);

			oids = lappend_oid(oids, db->oid);
			MemoryContextSwitchTo(transaction_context);
		}
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();
	return oids;
}

/*
 * One pass of the launcher: slots for new databases, slots of dropped databases freed, wanted
 * schedulers started. Returns how long to sleep.
 */
static long
launcher_reconcile(List *databases, BackgroundWorkerHandle **handles)
{
	TimestampTz now = GetCurrentTimestamp();
	long		sleep_ms = PGT_LAUNCHER_RESCAN_MS;
	ListCell   *lc;

	SpinLockAcquire(&shared->mutex);
	foreach(lc, databases)
	{
		if (find_slot(lfirst_oid(lc)) == NULL)
			(void) find_or_add_slot(lfirst_oid(lc));
	}
	for (int i = 0; i < PGT_MAX_SCHEDULERS; i++)
	{
		SchedulerSlot *slot = &shared->slots[i];

		if (slot->state != SLOT_FREE && !list_member_oid(databases, slot->dboid) && slot->state != SLOT_RUNNING)
			slot->state = SLOT_FREE;
		if (slot->state == SLOT_PAUSED && slot->not_before <= now)
			slot->state = SLOT_WANTED;
	}
	SpinLockRelease(&shared->mutex);

	for (int i = 0; i < PGT_MAX_SCHEDULERS; i++)
	{
		SchedulerSlot *slot = &shared->slots[i];
		SlotState	state;
		TimestampTz not_before;
		Oid			dboid;
		pid_t		pid;

		SpinLockAcquire(&shared->mutex);
		state = slot->state;
		not_before = slot->not_before;
		dboid = slot->dboid;
		SpinLockRelease(&shared->mutex);

		/* A registered worker that stopped before attaching (e.g. the database went away). */
		if (state == SLOT_STARTING && handles[i] != NULL &&
			GetBackgroundWorkerPid(handles[i], &pid) == BGWH_STOPPED)
		{
			SpinLockAcquire(&shared->mutex);
			if (slot->state == SLOT_STARTING)
				slot->state = state = SLOT_WANTED;
			SpinLockRelease(&shared->mutex);
		}
		if (state == SLOT_PAUSED)
			sleep_ms = Min(sleep_ms, Max(TimestampDifferenceMilliseconds(now, not_before), 1));
		if (state != SLOT_WANTED)
			continue;
		if (not_before > now)
		{
			sleep_ms = Min(sleep_ms, Max(TimestampDifferenceMilliseconds(now, not_before), 1));
			continue;
		}
		if (handles[i] != NULL)
			pfree(handles[i]);
		handles[i] = NULL;
		if (!start_scheduler(dboid, &handles[i]))
		{
			ereport(WARNING,
					(errmsg("pg_trickle could not start the scheduler of database %u", dboid),
					 errhint("Increase max_worker_processes.")));
			sleep_ms = Min(sleep_ms, PGT_LAUNCHER_RESCAN_MS);
			continue;
		}
		SpinLockAcquire(&shared->mutex);
		if (slot->state == SLOT_WANTED)
		{
			slot->state = SLOT_STARTING;
			slot->not_before = TimestampTzPlusMilliseconds(now, PGT_RESTART_DELAY_MS);
		}
		SpinLockRelease(&shared->mutex);
	}
	return sleep_ms;
}

void
pgt_launcher_main(Datum arg)
{
	BackgroundWorkerHandle *handles[PGT_MAX_SCHEDULERS] = {0};
	MemoryContext pass_context;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	pgstat_report_appname("pg_trickle launcher");

	/* A previous launcher's handles are gone: start anything still starting again (a duplicate exits). */
	SpinLockAcquire(&shared->mutex);
	shared->launcher_latch = MyLatch;
	for (int i = 0; i < PGT_MAX_SCHEDULERS; i++)
		if (shared->slots[i].state == SLOT_STARTING)
			shared->slots[i].state = SLOT_WANTED;
	SpinLockRelease(&shared->mutex);

	/* Handles live in TopMemoryContext; everything else of a pass is freed after it. */
	pass_context = AllocSetContextCreate(TopMemoryContext, "pg_trickle launcher pass", ALLOCSET_DEFAULT_SIZES);
	for (;;)
	{
		List	   *databases;
		long		sleep_ms;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		MemoryContextReset(pass_context);
		MemoryContextSwitchTo(pass_context);
		databases = connectable_databases();
		MemoryContextSwitchTo(TopMemoryContext);
		sleep_ms = launcher_reconcile(databases, handles);
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, sleep_ms, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/* ---- the scheduler ------------------------------------------------------------------------ */

typedef enum SchedulerState
{
	SCHED_WAIT,
	SCHED_PLAN,
	SCHED_REFRESH,
	SCHED_HOUSEKEEP,
	SCHED_EXIT
} SchedulerState;

/* What one tick decided; lives in the tick's memory context. */
typedef struct Tick
{
	List	   *batches;		/* Lists of pgt_id (int64 as text): one transaction each, in order */
	int			next;			/* index into batches of the next one */
	long		sleep_ms;		/* wait before the next plan */
} Tick;

static SchedulerSlot *my_slot = NULL;

/* On exit: give the slot back so the launcher restarts this scheduler (unless it chose not to). */
static void
scheduler_detach(int code, Datum arg)
{
	Latch	   *launcher = NULL;

	SpinLockAcquire(&shared->mutex);
	if (my_slot->state == SLOT_RUNNING && my_slot->pid == MyProcPid)
	{
		my_slot->state = SLOT_WANTED;
		my_slot->not_before = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), PGT_RESTART_DELAY_MS);
	}
	if (my_slot->pid == MyProcPid)
	{
		my_slot->pid = 0;
		my_slot->latch = NULL;
	}
	launcher = shared->launcher_latch;
	SpinLockRelease(&shared->mutex);
	if (launcher != NULL)
		SetLatch(launcher);
}

/* Marks this database as having no scheduler work and exits. */
static void
scheduler_exit_no_extension(void)
{
	SpinLockAcquire(&shared->mutex);
	my_slot->state = SLOT_NO_EXTENSION;
	SpinLockRelease(&shared->mutex);
	proc_exit(0);
}

/* Milliseconds since the Unix epoch. */
static int64
unix_epoch_ms(TimestampTz t)
{
	return t / 1000 + (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * 1000;
}

/* Starts a transaction with SPI connected and a snapshot pushed. */
static void
begin_work(const char *activity)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, activity);
}

static void
end_work(void)
{
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
}

/* The engine's schedule decision for this database now (SPI connected, in a transaction). */
static JsonbContainer *
schedule_decision(void)
{
	PgtRequest	req;

	SPI_execute("SELECT pgtrickle._scheduler_state()::text", true, 1);
	pgt_request_begin(&req, "schedule");
	pgt_request_int(&req, "now", unix_epoch_ms(GetCurrentTimestamp()));
	pgt_request_int(&req, "defaultScheduleSeconds", pg_trickle_default_schedule_seconds);
	pgt_request_raw(&req, "streamTables", SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
	return pgt_engine_request(pgt_request_end(&req), NULL);
}

/*
 * Whether the extension's installed SQL is this library's version. A scheduler meeting other SQL
 * (the library was replaced, ALTER EXTENSION ... UPDATE has not run yet) refreshes nothing and
 * says so once, instead of failing on objects that are not there.
 */
static bool
version_matches(const char *installed)
{
	static bool warned = false;

	if (strcmp(installed, PGT_VERSION) == 0)
		return true;
	if (!warned)
		ereport(WARNING,
				(errmsg("pg_trickle scheduler: the installed extension is version %s, the library version %s",
						installed, PGT_VERSION),
				 errdetail("Stream tables of this database are not refreshed on schedule until they agree."),
				 errhint("Run ALTER EXTENSION pg_trickle UPDATE in database \"%s\".", get_database_name(MyDatabaseId))));
	warned = true;
	return false;
}

/* PLAN: which stream tables are due now, in batches in dependency order, and how long until the next. */
static SchedulerState
plan_tick(Tick *tick, MemoryContext tick_context)
{
	JsonbContainer *result;
	JsonbContainer *batches;
	char	   *next_due;
	char	   *installed;

	begin_work("pg_trickle: planning");
	installed = pgt_installed_version();
	if (installed == NULL || !version_matches(installed))
	{
		end_work();
		return installed == NULL ? SCHED_EXIT : SCHED_WAIT;
	}
	/* Restored stream tables are linked before anything reads the catalog; until then nothing is refreshed. */
	if (!pgt_try_relink_restored(LOG))
	{
		end_work();
		return SCHED_WAIT;
	}
	result = schedule_decision();
	batches = pgt_json_container(result, "batches");
	next_due = pgt_json_text(result, "nextDueInMs");
	{
		MemoryContext old = MemoryContextSwitchTo(tick_context);

		tick->batches = NIL;
		for (int b = 0; b < pgt_json_array_length(batches); b++)
		{
			JsonbContainer *ids = pgt_json_container(pgt_json_array_item(batches, b), "ids");
			List	   *batch = NIL;

			for (int i = 0; i < pgt_json_array_length(ids); i++)
			{
				JsonbValue *v = getIthJsonbValueFromContainer(ids, i);

				if (v != NULL && v->type == jbvString)
					batch = lappend(batch, pnstrdup(v->val.string.val, v->val.string.len));
			}
			if (batch != NIL)
				tick->batches = lappend(tick->batches, batch);
		}
		tick->next = 0;
		tick->sleep_ms = pg_trickle_scheduler_interval_ms;
		if (next_due != NULL && atol(next_due) >= 0)
			tick->sleep_ms = Min(tick->sleep_ms, Max(atol(next_due), 1));
		MemoryContextSwitchTo(old);
	}
	end_work();
	return tick->batches != NIL ? SCHED_REFRESH : SCHED_HOUSEKEEP;
}

PG_FUNCTION_INFO_V1(_schedule_plan);

/*
 * pgtrickle._schedule_plan(): what the scheduler would decide now — due batches, consistency
 * groups, effective periods — as jsonb. diamond_groups() is built on it.
 */
Datum
_schedule_plan(PG_FUNCTION_ARGS)
{
	char	   *text;
	MemoryContext caller_context = CurrentMemoryContext;

	SPI_connect();
	text = JsonbToCString(NULL, schedule_decision(), -1);
	MemoryContextSwitchTo(caller_context);
	text = pstrdup(text);
	SPI_finish();
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(text)));
}

/* Records a failed scheduled refresh (its own transaction): counts, maybe suspends, alerts. */
static void
record_failure(const char *pgt_id, ErrorData *edata, TimestampTz started)
{
	Oid			types[4] = {INT8OID, TEXTOID, TIMESTAMPTZOID, INT4OID};
	Datum		values[4];

	values[0] = DirectFunctionCall1(int8in, CStringGetDatum(pgt_id));
	values[1] = CStringGetTextDatum(edata->message ? edata->message : "unknown error");
	values[2] = TimestampTzGetDatum(started);
	values[3] = Int32GetDatum(pg_trickle_max_consecutive_errors);
	begin_work("pg_trickle: recording a failed refresh");
	SPI_execute_with_args("SELECT pgtrickle._record_refresh_failure($1, $2, $3, $4)", 4, types, values, NULL, false, 1);
	end_work();
}

/*
 * REFRESH: refreshes the next batch in one transaction: one stream table, or a consistency group
 * (all or none of its members). A member that is busy with a manual refresh is skipped; when one
 * fails, the batch is rolled back and the failure is recorded against that member.
 */
static SchedulerState
refresh_next(Tick *tick, MemoryContext tick_context)
{
	List	   *batch = list_nth(tick->batches, tick->next++);
	SchedulerState next = tick->next < list_length(tick->batches) ? SCHED_REFRESH : SCHED_HOUSEKEEP;
	const char *volatile current = NULL;
	TimestampTz started = GetCurrentTimestamp();

	PG_TRY();
	{
		ListCell   *lc;

		begin_work("pg_trickle: refreshing");
		foreach(lc, batch)
		{
			Oid			types[1] = {INT8OID};
			Datum		values[1];

			current = lfirst(lc);
			values[0] = DirectFunctionCall1(int8in, CStringGetDatum(current));
			/* Still there and still scheduled? (It may have been dropped or suspended since PLAN.) */
			SPI_execute_with_args("SELECT format('%I.%I', pgt_schema, pgt_name) FROM pgtrickle.pgt_stream_tables "
								  "WHERE pgt_id = $1 AND status IN ('ACTIVE', 'INITIALIZING') AND refresh_mode <> 'IMMEDIATE'",
								  1, types, values, NULL, true, 1);
			if (SPI_processed == 1)
			{
				char	   *name = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

				pgstat_report_activity(STATE_RUNNING, psprintf("pg_trickle: refreshing %s", name));
				/* Skipped when a manual refresh holds it: the next tick tries again. */
				(void) pgt_refresh(name, "SCHEDULER", true);
			}
		}
		end_work();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(tick_context);
		edata = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		ereport(LOG,
				(errmsg("pg_trickle: scheduled refresh of stream table %s failed: %s", current ? current : "(none)", edata->message),
				 edata->detail ? errdetail_internal("%s", edata->detail) : 0));
		if (current != NULL)
			record_failure(current, edata, started);
		pgstat_report_activity(STATE_IDLE, NULL);
	}
	PG_END_TRY();
	return next;
}

/* HOUSEKEEP: trims consumed change-buffer rows, drops unread capture, prunes history. */
static void
housekeep(void)
{
	Oid			types[1] = {INT4OID};
	Datum		values[1] = {Int32GetDatum(pg_trickle_history_retention_days)};

	begin_work("pg_trickle: housekeeping");
	SPI_execute_with_args("SELECT pgtrickle._housekeeping($1)", 1, types, values, NULL, false, 1);
	end_work();
}

/*
 * SIGHUP: the configuration file, then this database's own settings (ALTER DATABASE ... SET
 * pg_trickle.enabled = off) again, so that they too take effect at pg_reload_conf() instead of
 * at the scheduler's next start.
 */
static void
reload_settings(void)
{
	Relation	rel;
	Snapshot	snapshot;

	ConfigReloadPending = false;
	ProcessConfigFile(PGC_SIGHUP);
	StartTransactionCommand();
	rel = table_open(DbRoleSettingRelationId, AccessShareLock);
	snapshot = RegisterSnapshot(GetCatalogSnapshot(DbRoleSettingRelationId));
	ApplySetting(snapshot, MyDatabaseId, InvalidOid, rel, PGC_S_DATABASE);
	UnregisterSnapshot(snapshot);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();
}

/*
 * WAIT: sleeps until `sleep_ms` have passed or a commit asks for a plan. A latch set by anything
 * else (a configuration reload) does not cut the sleep short, only reloads the settings (and
 * shortens the sleep to a new, shorter pg_trickle.scheduler_interval_ms).
 */
static void
wait_for_wake_or_timeout(long sleep_ms)
{
	TimestampTz started = GetCurrentTimestamp();
	TimestampTz deadline = TimestampTzPlusMilliseconds(started, sleep_ms);

	for (;;)
	{
		long		remaining = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);
		bool		woken;

		if (remaining <= 0)
			return;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, remaining, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			reload_settings();
			/* A shorter pg_trickle.scheduler_interval_ms applies to this sleep too. */
			deadline = Min(deadline, TimestampTzPlusMilliseconds(started, pg_trickle_scheduler_interval_ms));
		}
		SpinLockAcquire(&shared->mutex);
		woken = my_slot->wake;
		my_slot->wake = false;
		SpinLockRelease(&shared->mutex);
		if (woken)
			return;
	}
}

void
pgt_scheduler_main(Datum arg)
{
	Oid			dboid = DatumGetObjectId(arg);
	MemoryContext tick_context;
	SchedulerState state = SCHED_PLAN;
	TimestampTz last_housekeeping = 0;
	Tick		tick = {NIL, 0, 0};

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	SpinLockAcquire(&shared->mutex);
	my_slot = find_slot(dboid);
	if (my_slot != NULL && (my_slot->state == SLOT_STARTING || my_slot->state == SLOT_WANTED))
	{
		my_slot->state = SLOT_RUNNING;
		my_slot->pid = MyProcPid;
		my_slot->latch = MyLatch;
	}
	else
		my_slot = NULL;
	SpinLockRelease(&shared->mutex);
	if (my_slot == NULL)
		proc_exit(0);			/* paused or forgotten meanwhile */
	before_shmem_exit(scheduler_detach, (Datum) 0);

	BackgroundWorkerInitializeConnectionByOid(dboid, InvalidOid, 0);
	pgstat_report_appname("pg_trickle scheduler");

	tick_context = AllocSetContextCreate(TopMemoryContext, "pg_trickle scheduler tick", ALLOCSET_DEFAULT_SIZES);
	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
			reload_settings();
		switch (state)
		{
			case SCHED_WAIT:
				wait_for_wake_or_timeout(tick.sleep_ms);
				state = SCHED_PLAN;
				break;
			case SCHED_PLAN:
				MemoryContextReset(tick_context);
				tick = (Tick) {NIL, 0, pg_trickle_scheduler_interval_ms};
				state = pg_trickle_enabled ? plan_tick(&tick, tick_context) : SCHED_WAIT;
				break;
			case SCHED_REFRESH:
				state = refresh_next(&tick, tick_context);
				break;
			case SCHED_HOUSEKEEP:
				if (TimestampDifferenceExceeds(last_housekeeping, GetCurrentTimestamp(), PGT_HOUSEKEEPING_MS))
				{
					housekeep();
					last_housekeeping = GetCurrentTimestamp();
				}
				state = SCHED_WAIT;
				break;
			case SCHED_EXIT:
				scheduler_exit_no_extension();
				break;
		}
		MemoryContextSwitchTo(TopMemoryContext);
	}
}
