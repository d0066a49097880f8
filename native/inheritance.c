/*
 * inheritance.c — keeps stream tables exact when the inheritance of a table they read changes.
 *
 * A scan of `t` reads t and every table inheriting from it; each of those tables is captured on
 * its own, row by row while it is in a hierarchy (src/engine/cdc/buffer.ts). DDL can move rows
 * in or out of such a scan without any captured change, or change how a table must be captured:
 * CREATE TABLE ... INHERITS / PARTITION OF, ALTER TABLE ... [NO] INHERIT / ATTACH / DETACH
 * PARTITION, DROP TABLE of a child. After such a command every differentiable stream table
 * reading a table related to the changed one (itself, its ancestors, its descendants) — or
 * reading a table that no longer exists (a dropped child; the sql_drop event trigger has already
 * put the stream tables whose named sources were dropped in status ERROR) — is marked
 * needs_reinit: its next refresh recompiles its program (capturing the new members, dropping the
 * capture of departed ones) and recomputes it (native/refresh.c). An IMMEDIATE stream table is
 * reinitialized at once, inside the DDL's transaction, so no write after the DDL finds it stale.
 *
 * Over-approximating is harmless (a stream table recomputed once more); missing one is not.
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/event_trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"

#include "pg_trickle.h"

/* True while this file reinitializes stream tables, whose own DDL must not react again. */
static bool reacting = false;

/* True when `parsetree` may change which tables inherit from which, or drops a table. */
static bool
changes_inheritance(Node *parsetree)
{
	ListCell   *lc;

	if (parsetree == NULL)
		return false;
	switch (nodeTag(parsetree))
	{
		case T_CreateStmt:
			return ((CreateStmt *) parsetree)->inhRelations != NIL || ((CreateStmt *) parsetree)->partbound != NULL;
		case T_CreateForeignTableStmt:
			return ((CreateForeignTableStmt *) parsetree)->base.inhRelations != NIL ||
				((CreateForeignTableStmt *) parsetree)->base.partbound != NULL;
		case T_AlterTableStmt:
			foreach(lc, ((AlterTableStmt *) parsetree)->cmds)
			{
				AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

				if (cmd->subtype == AT_AddInherit || cmd->subtype == AT_DropInherit ||
					cmd->subtype == AT_AttachPartition || cmd->subtype == AT_DetachPartition ||
					cmd->subtype == AT_DetachPartitionFinalize)
					return true;
			}
			return false;
		case T_DropStmt:
			if (((DropStmt *) parsetree)->removeType != OBJECT_TABLE &&
				((DropStmt *) parsetree)->removeType != OBJECT_FOREIGN_TABLE)
				return false;
			/* pg_trickle's own change buffers and temporary tables are nobody's children. */
			foreach(lc, ((DropStmt *) parsetree)->objects)
			{
				List	   *name = (List *) lfirst(lc);

				if (list_length(name) < 2 ||
					(strcmp(strVal(linitial(name)), "pg_temp") != 0 &&
					 strcmp(strVal(linitial(name)), "pgtrickle_changes") != 0))
					return true;
			}
			return false;
		default:
			return false;
	}
}

/*
 * Called at ddl_command_end: when the command changed inheritance, marks the stream tables it
 * may have made inexact for reinitialization and reinitializes the IMMEDIATE ones now.
 */
void
pgt_inheritance_changed(EventTriggerData *trigdata)
{
	uint64		count;
	char	  **names;

	/* The reinitializations below run DDL of their own (capture, temporary tables). */
	if (reacting || !changes_inheritance(trigdata->parsetree))
		return;
	SPI_connect();
	SPI_execute("WITH RECURSIVE changed AS ("
				"  SELECT c.objid AS oid FROM pg_catalog.pg_event_trigger_ddl_commands() AS c"
				"  WHERE c.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.objsubid = 0"
				"), up(oid) AS ("
				"  SELECT oid FROM changed"
				"  UNION SELECT i.inhparent FROM pg_catalog.pg_inherits AS i JOIN up ON i.inhrelid = up.oid"
				"), down(oid) AS ("
				"  SELECT oid FROM changed"
				"  UNION SELECT i.inhrelid FROM pg_catalog.pg_inherits AS i JOIN down ON i.inhparent = down.oid"
				"), marked AS ("
				"  UPDATE pgtrickle.pgt_stream_tables AS st SET needs_reinit = true, updated_at = now()"
				"  WHERE st.status <> 'ERROR' AND COALESCE((st.refresh_program->>'differentiable')::boolean, false)"
				"    AND EXISTS (SELECT 1 FROM pgtrickle.pgt_dependencies AS d WHERE d.pgt_id = st.pgt_id"
				"                AND (d.source_relid IN (SELECT oid FROM up UNION SELECT oid FROM down)"
				"                     OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class AS r WHERE r.oid = d.source_relid)))"
				"  RETURNING st.pgt_id, st.refresh_mode, st.pgt_schema, st.pgt_name)"
				"SELECT pg_catalog.format('%I.%I', pgt_schema, pgt_name) FROM marked"
				" WHERE refresh_mode = 'IMMEDIATE' ORDER BY pgt_id",
				false, 0);
	count = SPI_processed;
	names = palloc(sizeof(char *) * (count + 1));
	for (uint64 i = 0; i < count; i++)
		names[i] = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
	/*
	 * An IMMEDIATE stream table is current after every statement: recompute it now. The catalog
	 * questions of its recompilation are read-only and read the active snapshot, which must see
	 * this command's catalog changes and the capture the previous ones installed.
	 */
	reacting = true;
	PG_TRY();
	{
		for (uint64 i = 0; i < count; i++)
		{
			CommandCounterIncrement();
			PushActiveSnapshot(GetTransactionSnapshot());
			(void) pgt_refresh(names[i], "IMMEDIATE", false);
			PopActiveSnapshot();
		}
	}
	PG_FINALLY();
	{
		reacting = false;
	}
	PG_END_TRY();
	SPI_finish();
}
