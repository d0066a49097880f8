/*
 * engine_abi.h — what both engine hosts (the backend, native/engine_host.c, and the Node addon,
 * native/addon/addon_host.c) share about the wasm2c-translated engine: its import declarations,
 * bounds-checked access to its memory, and the reading of an AssemblyScript abort. Plain C, no
 * PostgreSQL, so that both hosts treat the engine identically.
 */
#ifndef PGT_ENGINE_ABI_H
#define PGT_ENGINE_ABI_H

#include <stddef.h>
#include <stdint.h>

#include "wasm-rt.h"

/* wasm2c passes these to the imports; the hosts keep their state in statics instead. */
struct w2c_env
{
	char		unused;
};
struct w2c_host
{
	char		unused;
};

/* Every import wasm2c may expect; engine.h declares only those the current engine uses. */
void		w2c_env_abort(struct w2c_env *env, uint32_t message_address, uint32_t file_address, uint32_t line, uint32_t column);
uint32_t			w2c_host_query(struct w2c_host *host, uint32_t request_address, uint32_t request_length);
void		w2c_host_queryResult(struct w2c_host *host, uint32_t destination);
void		w2c_host_log(struct w2c_host *host, uint32_t level, uint32_t message_address, uint32_t message_length);

/* Room enough for any text engine_describe_abort writes. */
#define ENGINE_ABORT_TEXT_SIZE 512

/* The bytes [address, address + length) of `memory`; traps (OOB) when they are not all in it. */
extern uint8_t *engine_memory_span(wasm_rt_memory_t *memory, uint64_t address, uint64_t length);

/* Writes a sentence describing an AssemblyScript abort(message, file, line, column) into `out`. */
extern void engine_describe_abort(wasm_rt_memory_t *memory, uint32_t message_address, uint32_t file_address,
								  uint32_t line, uint32_t column, char *out, size_t out_size);

#endif							/* PGT_ENGINE_ABI_H */
