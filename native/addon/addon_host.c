/*
 * addon_host.c — the engine's call guard and imports for the Node addon (see addon_host.h).
 *
 * Invariants (as in native/engine_host.c, which this mirrors without PostgreSQL):
 * - Every call runs on a fresh instance, freed on every way out (stub runtime).
 * - A trap siglongjmps to the guard; the guard clears the trap target and resets the call depth
 *   before anything can run wasm again. Callbacks never run wasm: a nested call is refused.
 * - Every address and length the engine passes is checked against its memory; a bad one traps.
 * - A callback that fails abandons the engine through a trap, so no C++ or JS exception ever
 *   crosses wasm frames.
 */
#include "addon_host.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "engine_abi.h"
#include "wasm-rt.h"


static w2c_engine engine;
static struct w2c_env env_imports;
static struct w2c_host host_imports;
static bool engine_allocated = false;
static bool engine_active = false;
static const addon_callbacks *active_callbacks = NULL;
static bool callback_failed = false;
static char *query_answer = NULL;
static size_t query_answer_length = 0;
static char abort_detail[ENGINE_ABORT_TEXT_SIZE];

/* The engine's bytes [address, address + length); traps when they are not all in its memory. */
static uint8_t *
engine_bytes(uint64_t address, uint64_t length)
{
	return engine_memory_span(w2c_engine_memory(&engine), address, length);
}

/* Ends a call on any path: no trap target, depth 0, instance and answer freed. */
static void
leave_engine(void)
{
	wasm_rt_set_trap_target(NULL);
	wasm_rt_call_stack_depth = 0;
	if (engine_allocated)
		wasm2c_engine_free(&engine);
	engine_allocated = false;
	free(query_answer);
	query_answer = NULL;
	active_callbacks = NULL;
	engine_active = false;
}

/* Classifies the trap that just ended a call and describes it in error. */
static addon_status
trap_status(const addon_limits *limits, char *error, size_t error_size)
{
	if (callback_failed)
	{
		snprintf(error, error_size, "pg_trickle engine abandoned: a host callback failed");
		return ADDON_CALLBACK_FAILED;
	}
	if (wasm_rt_grow_refused)
	{
		snprintf(error, error_size, "pg_trickle engine ran out of memory (limit %llu bytes)",
				 (unsigned long long) limits->max_memory_bytes);
		return ADDON_OUT_OF_MEMORY;
	}
	if (abort_detail[0] != '\0')
		snprintf(error, error_size, "pg_trickle engine fault: %s", abort_detail);
	else
		snprintf(error, error_size, "pg_trickle engine fault: %s", wasm_rt_strerror(wasm_rt_last_trap));
	return ADDON_TRAP;
}

/* Runs one request on a fresh instance; see addon_host.h. */
addon_status
addon_engine_call(const char *request, size_t request_length,
				  const addon_callbacks *callbacks, const addon_limits *limits,
				  char **response, size_t *response_length, char *error, size_t error_size)
{
	sigjmp_buf	trap_buf;
	volatile addon_status status = ADDON_OK;
	char	   *volatile copy = NULL;

	if (engine_active)
	{
		snprintf(error, error_size, "pg_trickle engine called recursively");
		return ADDON_REENTERED;
	}
	engine_active = true;
	active_callbacks = callbacks;
	callback_failed = false;
	abort_detail[0] = '\0';
	wasm_rt_set_memory_limit(limits->max_memory_bytes);
	wasm_rt_set_max_call_stack_depth(limits->max_call_depth);
	wasm_rt_grow_refused = false;

	if (sigsetjmp(trap_buf, 0) != 0)
	{
		free(copy);
		status = trap_status(limits, error, error_size);
	}
	else
	{
		u32			address;
		u32			length;

		wasm_rt_set_trap_target(&trap_buf);
		if (request_length > INT32_MAX)
			wasm_rt_trap(WASM_RT_TRAP_OOB);
		memset(&engine, 0, sizeof(engine));
		engine_allocated = true;
		wasm2c_engine_instantiate(&engine, &env_imports, &host_imports);
		address = w2c_engine_engineAlloc(&engine, (u32) request_length);
		memcpy(engine_bytes(address, request_length), request, request_length);
		length = w2c_engine_engineHandle(&engine, (u32) request_length);
		address = w2c_engine_engineResponse(&engine);
		copy = (char *) malloc((size_t) length + 1);
		if (copy == NULL)
		{
			wasm_rt_grow_refused = true;
			wasm_rt_trap(WASM_RT_TRAP_OOB);
		}
		memcpy(copy, engine_bytes(address, length), length);
		copy[length] = '\0';
		*response = copy;
		*response_length = length;
	}
	leave_engine();
	return status;
}

/* env.abort: records what the engine said and traps into the guard. */
void
w2c_env_abort(struct w2c_env *env, u32 message_address, u32 file_address, u32 line, u32 column)
{
	(void) env;
	engine_describe_abort(w2c_engine_memory(&engine), message_address, file_address, line, column,
						  abort_detail, sizeof(abort_detail));
	wasm_rt_trap(WASM_RT_TRAP_ABORT);
}

/* host.query: asks the caller's callback and keeps its answer; returns its length or -1. */
u32
w2c_host_query(struct w2c_host *host, u32 request_address, u32 request_length)
{
	const char *request = (const char *) engine_bytes(request_address, request_length);
	bool		failed = false;
	size_t		answer_length = 0;
	char	   *answer;

	(void) host;
	free(query_answer);
	query_answer = NULL;
	if (active_callbacks->query == NULL)
		return (u32) -1;
	answer = active_callbacks->query(active_callbacks->context, request, request_length,
									 &answer_length, &failed);
	if (failed || (answer != NULL && answer_length > INT32_MAX))
	{
		free(answer);
		callback_failed = true;
		wasm_rt_trap(WASM_RT_TRAP_ABORT);
	}
	if (answer == NULL)
		return (u32) -1;
	query_answer = answer;
	query_answer_length = answer_length;
	return (u32) answer_length;
}

/* host.queryResult: copies the kept answer to engine memory at destination. */
void
w2c_host_queryResult(struct w2c_host *host, u32 destination)
{
	(void) host;
	if (query_answer == NULL)
		wasm_rt_trap(WASM_RT_TRAP_OOB);
	memcpy(engine_bytes(destination, query_answer_length), query_answer, query_answer_length);
	free(query_answer);
	query_answer = NULL;
}

/* host.log: hands the message to the caller's log callback, if any. */
void
w2c_host_log(struct w2c_host *host, u32 level, u32 message_address, u32 message_length)
{
	const char *message = (const char *) engine_bytes(message_address, message_length);

	(void) host;
	if (active_callbacks->log != NULL)
		active_callbacks->log(active_callbacks->context, (int) level, message, message_length);
}

/* A trap with no guard installed: a bug in this file; end the process without a core dump. */
void
wasm_rt_host_fatal(wasm_rt_trap_t trap)
{
	fprintf(stderr, "pg_trickle engine trapped outside a guarded call: %s\n", wasm_rt_strerror(trap));
	exit(70);
}
