/*
 * addon_host.h — the engine (wasm2c output) hosted in plain C for the Node addon.
 *
 * The same call guard as native/engine_host.c without PostgreSQL: a fresh instance per call,
 * traps caught with sigsetjmp, bounded memory, no re-entry. The caller supplies the imports'
 * answers through callbacks. Single-threaded, like the runtime.
 */
#ifndef ADDON_HOST_H
#define ADDON_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What the engine's imports ask of the caller. */
typedef struct addon_callbacks
{
	/*
	 * Answers a catalog request (UTF-8 JSON): returns a malloc'd UTF-8 answer and its length, or
	 * NULL for "no answer". Sets *failed (and returns NULL) when the caller could not answer.
	 */
	char	   *(*query) (void *context, const char *request, size_t length,
						  size_t *answer_length, bool *failed);
	/* Receives a log message (levels 0..3: debug, log, notice, warning); may be NULL. */
	void		(*log) (void *context, int level, const char *message, size_t length);
	void	   *context;
} addon_callbacks;

/* Limits of one call. */
typedef struct addon_limits
{
	uint64_t	max_memory_bytes;
	uint32_t	max_call_depth;
} addon_limits;

typedef enum addon_status
{
	ADDON_OK,
	ADDON_TRAP,					/* the engine trapped; error says how */
	ADDON_OUT_OF_MEMORY,		/* a memory grow was refused */
	ADDON_CALLBACK_FAILED,		/* a callback set *failed; the engine was abandoned */
	ADDON_REENTERED				/* called while a call is active (from a callback) */
} addon_status;

/*
 * Runs one request (UTF-8 JSON). On ADDON_OK *response is a malloc'd, NUL-terminated response
 * of *response_length bytes that the caller frees; otherwise error holds a message.
 */
addon_status addon_engine_call(const char *request, size_t request_length,
							   const addon_callbacks *callbacks, const addon_limits *limits,
							   char **response, size_t *response_length,
							   char *error, size_t error_size);

#ifdef __cplusplus
}
#endif

#endif							/* ADDON_HOST_H */
