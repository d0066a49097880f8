/*
 * restore.c — stream tables restored by pg_dump / pg_restore, or copied into another database.
 *
 * pg_dump keeps the catalog rows (pg_extension_config_dump), the stream tables, the change
 * buffers and the capture functions and triggers, but a restore gives every relation a new OID
 * and runs in another cluster's transaction-id space. Each catalog row therefore records the
 * database it is linked to (database_identity: system identifier / database OID). A row whose
 * identity is not this database's is relinked by the engine's `relink` plan, see
 * requests/relink.ts: OIDs re-resolved by name, transaction ids of the old cluster mapped below
 * every running one, programs and capture functions rebuilt.
 *
 * When: as soon as a restore has created the last index or trigger relinking waits for (the
 * event trigger below fires at the end of every CREATE INDEX and CREATE TRIGGER), and before
 * anything else uses the catalog — the SQL functions, the scheduler's tick, ALTER EXTENSION
 * UPDATE. Relinking runs once: an advisory lock serialises it, and a relinked row carries this
 * database's identity.
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"

#include "pg_trickle.h"
#include "pgt_errors.h"

/* Key of the advisory lock that serialises relinking ('pgtl', 0). */
#define PGT_RELINK_LOCK_CLASS 0x7067746c

PG_FUNCTION_INFO_V1(_database_identity);
PG_FUNCTION_INFO_V1(_on_ddl_command_end);

static bool relinking = false;

/*
 * Whether this backend has seen every catalog row linked since the last relation invalidation:
 * then the capture path, the SQL functions and the scheduler's tick skip the catalog query. A
 * restore always creates triggers, which sends an invalidation, so it is always noticed.
 */
static bool known_linked = false;

static void
forget_known_linked(Datum arg, Oid relid)
{
	known_linked = false;
}

/* pgtrickle._database_identity(): "<system identifier>/<database oid>" of this database. */
Datum
_database_identity(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(cstring_to_text(psprintf(UINT64_FORMAT "/%u", GetSystemIdentifier(), MyDatabaseId)));
}

/*
 * Whether a catalog row is not linked to this database (SPI connected). Never while the
 * installed SQL is another version than the library's: before ALTER EXTENSION ... UPDATE from a
 * version without database_identity, and linking is then the update's last step.
 */
static bool
any_unlinked(void)
{
	static bool callback_registered = false;
	bool		isnull;
	char	   *installed;

	if (known_linked)
		return false;
	installed = pgt_installed_version();
	if (installed == NULL || strcmp(installed, PGT_VERSION) != 0)
		return false;
	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(forget_known_linked, (Datum) 0);
		callback_registered = true;
	}
	SPI_execute("SELECT EXISTS (SELECT 1 FROM pgtrickle.pgt_stream_tables "
				"WHERE database_identity IS DISTINCT FROM pgtrickle._database_identity())", true, 1);
	known_linked = !DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	return !known_linked;
}

/*
 * Relinks the stream tables restored into this database, if there are any (SPI connected).
 * Returns false, having changed nothing, when the restore has not finished loading what
 * relinking reads and `quiet`; without `quiet` that is an ERROR naming what is missing.
 */
bool
pgt_relink_restored(bool quiet)
{
	JsonbContainer *volatile plan = NULL;

	if (relinking || !any_unlinked())
		return true;
	SPI_execute(psprintf("SELECT pg_advisory_xact_lock(%d, 0)", PGT_RELINK_LOCK_CLASS), false, 1);

	relinking = true;
	PG_TRY();
	{
		PgtRequest	req;

		pgt_request_begin(&req, "relink");
		plan = pgt_engine_request(pgt_request_end(&req), NULL);
		if (pgt_json_bool(plan, "ready"))
		{
			JsonbContainer *ids = pgt_json_container(plan, "rebuild");
			StringInfoData where;

			pgt_emit_warnings(plan);
			pgt_run_statements(plan);
			initStringInfo(&where);
			appendStringInfoString(&where, "pgt_id IN (NULL");
			for (int i = 0; i < pgt_json_array_length(ids); i++)
			{
				JsonbValue *v = getIthJsonbValueFromContainer(ids, i);

				if (v != NULL && v->type == jbvString)
					appendStringInfo(&where, ", %.*s", v->val.string.len, v->val.string.val);
			}
			appendStringInfoChar(&where, ')');
			pgt_rebuild_stream_tables(where.data);
		}
	}
	PG_FINALLY();
	{
		relinking = false;
	}
	PG_END_TRY();

	if (pgt_json_bool(plan, "ready"))
		return true;
	if (!quiet)
		ereport(ERROR,
				(errcode(PGT_ERRCODE_RESTORE_INCOMPLETE),
				 errmsg("stream tables restored into this database are not linked yet"),
				 errdetail("Relinking waits because %s.", pgt_json_text(plan, "reason")),
				 errhint("Let the restore finish: the stream tables are linked when it has created their indexes and triggers.")));
	return false;
}

/*
 * Called by capture before it writes a change (SPI not connected). A change captured before the
 * restored stream tables are linked would be read against the old cluster's transaction ids:
 * refuse it. This can only happen between a restore and the first use of pg_trickle when the
 * restore could not link them itself (pg_restore --jobs).
 */
void
pgt_check_linked_before_capture(void)
{
	bool		unlinked;

	if (known_linked || relinking)
		return;
	SPI_connect();
	unlinked = any_unlinked();
	SPI_finish();
	if (unlinked)
		ereport(ERROR,
				(errcode(PGT_ERRCODE_RESTORE_INCOMPLETE),
				 errmsg("cannot capture a change before the stream tables restored into this database are linked"),
				 errdetail("Changes are captured again once the restored stream tables are linked to this database."),
				 errhint("Call any pg_trickle function, such as SELECT pgtrickle.refresh_stream_table(...), or wait for the scheduler's next tick, then retry.")));
}

/*
 * pgt_relink_restored(quiet) in a subtransaction, so that a failure is reported at `elevel`
 * (LOG, WARNING) instead of aborting the caller's transaction. True when nothing is left to link.
 */
bool
pgt_try_relink_restored(int elevel)
{
	MemoryContext context = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile bool linked = false;

	if (known_linked)
		return true;
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(context);
	PG_TRY();
	{
		SPI_connect();
		linked = pgt_relink_restored(true);
		SPI_finish();
		ReleaseCurrentSubTransaction();
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(context);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		ereport(elevel,
				(errmsg("pg_trickle could not link the stream tables restored into this database: %s", edata->message),
				 edata->detail ? errdetail_internal("%s", edata->detail) : 0,
				 errhint("Linking is tried again at their next use.")));
		FreeErrorData(edata);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(context);
	CurrentResourceOwner = owner;
	return linked;
}

/*
 * Event trigger at the end of every DDL command: after CREATE INDEX and CREATE TRIGGER (the
 * post-data section of a restore) links restored stream tables as soon as everything they need
 * is in place — in the restore's own transaction, before any write can reach a source. A failure
 * is a WARNING, not an error: the restore goes on. After CREATE [OR REPLACE] VIEW it marks the
 * stream tables reading that view for reinitialization (native/refresh.c). After DDL that changes
 * inheritance it reinitializes the stream tables reading the tables involved (inheritance.c).
 */
Datum
_on_ddl_command_end(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		elog(ERROR, "_on_ddl_command_end: not called by the event trigger manager");
	trigdata = (EventTriggerData *) fcinfo->context;
	if (!relinking && !creating_extension &&
		(trigdata->tag == CMDTAG_CREATE_INDEX || trigdata->tag == CMDTAG_CREATE_TRIGGER))
	{
		/* The catalog questions are read-only: give them a snapshot that sees this command's index or trigger. */
		PushActiveSnapshot(GetTransactionSnapshot());
		(void) pgt_try_relink_restored(WARNING);
		PopActiveSnapshot();
	}
	/* A table joined or left an inheritance hierarchy, or a child was dropped: see inheritance.c. */
	if (!relinking && !creating_extension)
		pgt_inheritance_changed(trigdata);
	/* CREATE OR REPLACE VIEW: the stream tables reading the view recompile at their next refresh. */
	if (!creating_extension && trigdata->tag == CMDTAG_CREATE_VIEW)
	{
		SPI_connect();
		SPI_execute("UPDATE pgtrickle.pgt_stream_tables SET needs_reinit = true, updated_at = now() "
					"WHERE pgt_id IN (SELECT d.pgt_id FROM pgtrickle.pgt_dependencies d "
					"JOIN pg_catalog.pg_event_trigger_ddl_commands() c ON c.objid = d.source_relid "
					"WHERE c.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.source_type = 'VIEW')",
					false, 0);
		SPI_finish();
	}
	PG_RETURN_NULL();
}
