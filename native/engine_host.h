/*
 * engine_host.h — calling the engine (wasm2c output) from a PostgreSQL backend.
 *
 * The rest of the shim talks to the engine only through pgt_engine_call(): one JSON request in,
 * one JSON response out. See engine_host.c for the call guard and its invariants.
 */
#ifndef PGT_ENGINE_HOST_H
#define PGT_ENGINE_HOST_H

/* GUC pg_trickle.engine_max_memory_mb: cap of the engine's linear memory, read at every call. */
extern int	pg_trickle_engine_max_memory_mb;

/*
 * Runs one engine request (JSON text in the server encoding, request_len bytes) and returns
 * the JSON response, palloc'd in CurrentMemoryContext, NUL-terminated, in the server encoding;
 * its length goes to *response_len unless that is NULL. An engine trap or exhausted memory is
 * raised as ERROR; user errors are values inside the response.
 */
extern char *pgt_engine_call(const char *request, int request_len, int *response_len);

#endif							/* PGT_ENGINE_HOST_H */
