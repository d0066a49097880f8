/*
 * engine_host.c — the engine inside a PostgreSQL backend: the call guard and the host imports.
 *
 * The engine is AssemblyScript compiled to wasm and translated to C by wasm2c (engine.c). This
 * file instantiates it, writes one request in, copies one response out, and answers its imports:
 * host.query (a read-only SPI query), host.queryResult (copy of that answer), host.log (ereport)
 * and env.abort (AssemblyScript's abort, which becomes a trap).
 *
 * Invariants:
 * - One instance per backend. The stub runtime never frees memory within a call, so every call
 *   runs on a fresh instance: instantiated on entry, freed on every way out. Its linear memory
 *   is malloc'd (wasm-rt-impl.c) and capped by pg_trickle.engine_max_memory_mb, re-read per call.
 * - No re-entry: imports never call back into the engine, and a pgt_engine_call() made while
 *   one is active (say, by a trigger fired from an import's query) is refused with ERROR.
 * - A trap siglongjmps to the guard's sigsetjmp; an ERROR raised in an import longjmps to the
 *   guard's PG_CATCH. Either way leave_engine() resets wasm_rt_call_stack_depth and clears the
 *   trap target before anything can run wasm again, and frees the instance; then ERROR is raised.
 * - Every address and length the engine passes is checked against its current memory size; a
 *   bad one is an engine bug and traps (WASM_RT_TRAP_OOB).
 * - The engine speaks UTF-8; requests, responses, query texts and answers are converted from and
 *   to the server encoding here (no work when the database is UTF-8).
 * - During a call CurrentMemoryContext is a context of its own, deleted when the call ends.
 * - A catalog question the engine marks "keepPlan" has constant SQL: its plan is kept for the
 *   backend's life, one per question kind, in a hash table in TopMemoryContext. PostgreSQL's plan
 *   cache replans it when what it depends on changes (the extension dropped and created again,
 *   another search_path); a new SQL text for the same kind replaces it.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "tcop/tcopprot.h"	/* max_stack_depth before PostgreSQL 18 */
#include "utils/fmgrprotos.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "engine.h"
#include "engine_abi.h"
#include "engine_host.h"
#include "pgt_errors.h"
#include "wasm-rt.h"

/*
 * Upper bound of one engine function's C stack frame at -O2, used to turn the C stack left
 * below max_stack_depth into a wasm call-depth limit. tests/native/hosts-agree.test.ts checks
 * the bound against gcc's -fstack-usage report for the current engine.
 */
#define ENGINE_FRAME_BYTES 384

static uint32 engine_depth_limit(void);
static uint8 *engine_bytes(uint64 address, uint64 length);
static char *engine_text(uint64 address, uint64 length);
static void leave_engine(MemoryContext caller_context);
static void report_trap(void);
static SPIPlanPtr kept_question_plan(const char *kind, const char *sql);

static w2c_engine engine;
static struct w2c_env env_imports;
static struct w2c_host host_imports;
static bool engine_allocated = false;	/* engine holds memory that must be freed */
static bool engine_active = false;	/* a call is in progress */
static MemoryContext call_context = NULL;	/* lives for one call */
static char *query_answer = NULL;	/* host.query's answer (UTF-8), until copied */
static uint32 query_answer_length = 0;
static char abort_detail[ENGINE_ABORT_TEXT_SIZE];	/* set by env.abort */

/* The kept plan of one catalog question kind, and the SQL it was prepared from. */
typedef struct KeptQuestion
{
	char		kind[NAMEDATALEN];
	char	   *sql;
	SPIPlanPtr	plan;
} KeptQuestion;

static HTAB *kept_questions = NULL;

/* ---------------------------------------------------------------- the call guard */

/* Runs one request on a fresh engine instance; see engine_host.h. */
char *
pgt_engine_call(const char *request, int request_len, int *response_len)
{
	MemoryContext caller_context = CurrentMemoryContext;
	const char *utf8_request;
	uint32		utf8_length;
	sigjmp_buf	trap_buf;
	char	   *volatile response = NULL;
	volatile uint32 response_length = 0;
	char	   *result;

	check_stack_depth();
	if (engine_active)
		ereport(ERROR,
				(errcode(PGT_ERRCODE_INTERNAL_PROTOCOL),
				 errmsg("pg_trickle engine called recursively"),
				 errdetail("A catalog query run for the engine called back into the engine.")));
	if (request_len < 0)
		elog(ERROR, "pg_trickle engine request has negative length %d", request_len);

	utf8_request = pg_server_to_any(request, request_len, PG_UTF8);
	utf8_length = utf8_request == request ? (uint32) request_len : (uint32) strlen(utf8_request);

	wasm_rt_set_memory_limit((uint64) Max(pg_trickle_engine_max_memory_mb, 0) * 1024 * 1024);
	wasm_rt_set_max_call_stack_depth(engine_depth_limit());
	wasm_rt_grow_refused = false;
	abort_detail[0] = '\0';
	call_context = AllocSetContextCreate(caller_context, "pg_trickle engine call",
										 ALLOCSET_DEFAULT_SIZES);
	MemoryContextSwitchTo(call_context);
	engine_active = true;

	PG_TRY();
	{
		u32			address;

		if (sigsetjmp(trap_buf, 0) != 0)
		{
			leave_engine(caller_context);
			report_trap();
		}
		wasm_rt_set_trap_target(&trap_buf);

		memset(&engine, 0, sizeof(engine));
		engine_allocated = true;
		wasm2c_engine_instantiate(&engine, &env_imports, &host_imports);

		address = w2c_engine_engineAlloc(&engine, utf8_length);
		memcpy(engine_bytes(address, utf8_length), utf8_request, utf8_length);
		response_length = w2c_engine_engineHandle(&engine, utf8_length);
		address = w2c_engine_engineResponse(&engine);
		response = MemoryContextAlloc(caller_context, (Size) response_length + 1);
		memcpy(response, engine_bytes(address, response_length), response_length);
		response[response_length] = '\0';
		wasm_rt_set_trap_target(NULL);
	}
	PG_CATCH();
	{
		leave_engine(caller_context);
		PG_RE_THROW();
	}
	PG_END_TRY();
	leave_engine(caller_context);

	result = pg_any_to_server(response, (int) response_length, PG_UTF8);
	if (response_len != NULL)
		*response_len = result == response ? (int) response_length : (int) strlen(result);
	return result;
}

/* Ends a call on any path: no trap target, depth 0, instance and call memory freed. */
static void
leave_engine(MemoryContext caller_context)
{
	wasm_rt_set_trap_target(NULL);
	wasm_rt_call_stack_depth = 0;
	if (engine_allocated)
	{
		wasm2c_engine_free(&engine);
		engine_allocated = false;
	}
	MemoryContextSwitchTo(caller_context);
	if (call_context != NULL)
		MemoryContextDelete(call_context);
	call_context = NULL;
	query_answer = NULL;
	engine_active = false;
}

/* Raises the ERROR for the trap that just ended a call. */
static void
report_trap(void)
{
	if (wasm_rt_grow_refused)
		ereport(ERROR,
				(errcode(PGT_ERRCODE_ENGINE_OUT_OF_MEMORY),
				 errmsg("pg_trickle engine ran out of memory"),
				 errdetail("The engine's memory is limited to %d MB.", pg_trickle_engine_max_memory_mb),
				 errhint("Raise pg_trickle.engine_max_memory_mb.")));
	if (wasm_rt_last_trap == WASM_RT_TRAP_EXHAUSTION)
		ereport(ERROR,
				(errcode(PGT_ERRCODE_QUERY_TOO_COMPLEX),
				 errmsg("pg_trickle engine exceeded its stack depth limit"),
				 errdetail("The engine nested its calls more deeply than the C stack left below \"max_stack_depth\" allows."),
				 errhint("Simplify the query or increase the configuration parameter \"max_stack_depth\".")));
	ereport(ERROR,
			(errcode(PGT_ERRCODE_ENGINE_FAULT),
			 errmsg("pg_trickle engine fault"),
			 abort_detail[0] != '\0' ? errdetail("%s", abort_detail)
			 : errdetail("The engine trapped: %s.", wasm_rt_strerror(wasm_rt_last_trap)),
			 errhint("This is a bug in pg_trickle. The engine is reset before its next use.")));
}

/* How many nested wasm calls fit in the C stack left below max_stack_depth. */
static uint32
engine_depth_limit(void)
{
	char		here;
	long		left = (long) max_stack_depth * 1024L;

	/* set_stack_base() returns the recorded base; putting it straight back reads it. */
	pg_stack_base_t base = set_stack_base();

	restore_stack_base(base);
	if (base != NULL)
		left -= labs((long) (base - &here));
	return left > 0 ? (uint32) (left / ENGINE_FRAME_BYTES) : 0;
}

/* ---------------------------------------------------------------- engine memory */

/* The engine's bytes [address, address + length); traps when they are not all in its memory. */
static uint8 *
engine_bytes(uint64 address, uint64 length)
{
	return engine_memory_span(w2c_engine_memory(&engine), address, length);
}

/* A NUL-terminated copy, in the server encoding, of UTF-8 text in engine memory. */
static char *
engine_text(uint64 address, uint64 length)
{
	char	   *copy = palloc((Size) length + 1);

	memcpy(copy, engine_bytes(address, length), (size_t) length);
	copy[length] = '\0';
	return pg_any_to_server(copy, (int) length, PG_UTF8);
}

/* env.abort: records what the engine said and traps into the guard. */
void
w2c_env_abort(struct w2c_env *env, u32 message_address, u32 file_address, u32 line, u32 column)
{
	engine_describe_abort(w2c_engine_memory(&engine), message_address, file_address, line, column,
						  abort_detail, sizeof(abort_detail));
	wasm_rt_trap(WASM_RT_TRAP_ABORT);
}

/*
 * The kept plan for catalog question `kind` with constant text `sql`, prepared on first use.
 * Planning costs more than running most questions, and AUTO asks one on every refresh.
 */
static SPIPlanPtr
kept_question_plan(const char *kind, const char *sql)
{
	KeptQuestion *entry;
	bool		found;
	Oid			argument_type = JSONBOID;
	SPIPlanPtr	plan;

	if (kept_questions == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = NAMEDATALEN;
		ctl.entrysize = sizeof(KeptQuestion);
		kept_questions = hash_create("pg_trickle catalog questions", 16, &ctl, HASH_ELEM | HASH_STRINGS);
	}
	entry = hash_search(kept_questions, kind, HASH_ENTER, &found);
	if (!found)
	{
		entry->sql = NULL;
		entry->plan = NULL;
	}
	if (entry->plan != NULL && strcmp(entry->sql, sql) == 0)
		return entry->plan;
	if (entry->plan != NULL)
	{
		SPI_freeplan(entry->plan);
		pfree(entry->sql);
		entry->plan = NULL;
	}
	/* An ERROR here leaves the entry without a plan, to be prepared again next time. */
	plan = SPI_prepare(sql, 1, &argument_type);
	if (plan == NULL)
		elog(ERROR, "pg_trickle catalog query could not be prepared: %s", SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "pg_trickle: SPI_keepplan failed");
	entry->sql = MemoryContextStrdup(TopMemoryContext, sql);
	entry->plan = plan;
	return plan;
}

/*
 * host.query: runs the "sql" of a JSON catalog request read-only with the whole request as $1
 * (jsonb) and keeps the first column of the first row; returns its length, or -1 for no row or
 * NULL. A request with "keepPlan": true and a "kind" runs a kept plan (see kept_question_plan).
 */
u32
w2c_host_query(struct w2c_host *host, u32 request_address, u32 request_length)
{
	char	   *request;
	Datum		request_jsonb;
	JsonbContainer *fields;
	JsonbValue	sql;
	JsonbValue	kind;
	JsonbValue	keep_plan;
	char	   *sql_text;
	Oid			argument_type = JSONBOID;
	int			status;

	CHECK_FOR_INTERRUPTS();
	check_stack_depth();
	query_answer = NULL;
	request = engine_text(request_address, request_length);
	request_jsonb = DirectFunctionCall1(jsonb_in, CStringGetDatum(request));
	fields = &DatumGetJsonbP(request_jsonb)->root;
	if (getKeyJsonValueFromContainer(fields, "sql", 3, &sql) == NULL ||
		sql.type != jbvString)
		ereport(ERROR,
				(errcode(PGT_ERRCODE_INTERNAL_PROTOCOL),
				 errmsg("pg_trickle engine sent a catalog query without \"sql\""),
				 errdetail("The request was: %s", request)));
	sql_text = pnstrdup(sql.val.string.val, sql.val.string.len);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (getKeyJsonValueFromContainer(fields, "keepPlan", 8, &keep_plan) != NULL && keep_plan.type == jbvBool && keep_plan.val.boolean &&
		getKeyJsonValueFromContainer(fields, "kind", 4, &kind) != NULL && kind.type == jbvString && kind.val.string.len < NAMEDATALEN)
		status = SPI_execute_plan(kept_question_plan(pnstrdup(kind.val.string.val, kind.val.string.len), sql_text),
								  &request_jsonb, NULL, true, 1);
	else
		status = SPI_execute_with_args(sql_text, 1, &argument_type, &request_jsonb, NULL, true, 1);
	if (status < 0)
		elog(ERROR, "pg_trickle catalog query failed: %s", SPI_result_code_string(status));
	if (SPI_processed > 0 && SPI_tuptable->tupdesc->natts > 0)
	{
		char	   *value = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);

		if (value != NULL)
		{
			char	   *utf8 = pg_server_to_any(value, (int) strlen(value), PG_UTF8);

			query_answer = MemoryContextStrdup(call_context, utf8);
			query_answer_length = (uint32) strlen(query_answer);
		}
	}
	SPI_finish();
	return query_answer != NULL ? query_answer_length : (u32) -1;
}

/* host.queryResult: copies the kept answer to engine memory at destination. */
void
w2c_host_queryResult(struct w2c_host *host, u32 destination)
{
	if (query_answer == NULL)
		wasm_rt_trap(WASM_RT_TRAP_OOB);
	memcpy(engine_bytes(destination, query_answer_length), query_answer, query_answer_length);
	pfree(query_answer);
	query_answer = NULL;
}

/* host.log: levels 0..3 become DEBUG1, LOG, NOTICE, WARNING. */
void
w2c_host_log(struct w2c_host *host, u32 level, u32 message_address, u32 message_length)
{
	static const int elevels[] = {DEBUG1, LOG, NOTICE, WARNING};
	char	   *message;

	CHECK_FOR_INTERRUPTS();
	message = engine_text(message_address, message_length);
	ereport(level < lengthof(elevels) ? elevels[level] : WARNING,
			(errmsg_internal("%s", message)));
	pfree(message);
}

/* A trap with no guard installed: the backend cannot continue safely. */
void
wasm_rt_host_fatal(wasm_rt_trap_t trap)
{
	elog(FATAL, "pg_trickle engine trapped outside a guarded call: %s", wasm_rt_strerror(trap));
}
