/*
 * wasm-rt.h — pg_trickle's own runtime for the code wasm2c generates from the engine.
 *
 * Invariants:
 * - No guard pages and no signal handlers: every memory access is bounds-checked by the
 *   generated code, and every fault ends in wasm_rt_trap().
 * - wasm_rt_trap() never returns and never calls abort(): it siglongjmps to the target the host
 *   installed with wasm_rt_set_trap_target(), or, with no target, calls wasm_rt_host_fatal(),
 *   which the host defines (PostgreSQL: elog(FATAL)).
 * - Linear memory is malloc'd (it outlives transactions) and never exceeds the cap set with
 *   wasm_rt_set_memory_limit(); a refused grow returns failure and sets wasm_rt_grow_refused
 *   (a successful one clears it), so the host can tell out-of-memory from other traps.
 * - wasm_rt_call_stack_depth counts nested wasm calls; the limit is a variable the host sets
 *   from the C stack it can spare. After a trap the host must reset the depth to 0.
 * - One thread: the runtime's state is plain globals. Needs POSIX sigsetjmp/siglongjmp.
 */
#ifndef WASM_RT_H_
#define WASM_RT_H_

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#error "pg_trickle's wasm runtime supports little-endian hosts only"
#endif
#define WABT_BIG_ENDIAN 0

/* Configuration read by the generated code. */
#define WASM_RT_USE_SEGUE 0
#define WASM_RT_SEGUE_FREE_SEGMENT 0
#define WASM_RT_SANITY_CHECKS 0
#define WASM_RT_MEMCHECK_GUARD_PAGES 0
#define WASM_RT_STACK_DEPTH_COUNT 1
#define WASM_RT_MAX_CALL_STACK_DEPTH wasm_rt_max_call_stack_depth

#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#define wasm_rt_memcpy memcpy

typedef enum {
	WASM_RT_TRAP_NONE,
	WASM_RT_TRAP_OOB,
	WASM_RT_TRAP_INT_OVERFLOW,
	WASM_RT_TRAP_DIV_BY_ZERO,
	WASM_RT_TRAP_INVALID_CONVERSION,
	WASM_RT_TRAP_UNREACHABLE,
	WASM_RT_TRAP_CALL_INDIRECT,
	WASM_RT_TRAP_EXHAUSTION,
	WASM_RT_TRAP_ABORT /* not generated: the host's env.abort import traps with it */
} wasm_rt_trap_t;

typedef enum { WASM_RT_I32, WASM_RT_I64, WASM_RT_F32, WASM_RT_F64, WASM_RT_FUNCREF, WASM_RT_EXTERNREF } wasm_rt_type_t;

typedef const char *wasm_rt_func_type_t;
typedef void (*wasm_rt_function_ptr_t)(void);
typedef struct wasm_rt_tailcallee_t {
	void (*fn)(void **instance_ptr, void *tail_call_stack, struct wasm_rt_tailcallee_t *next);
} wasm_rt_tailcallee_t;

/* Field order matters: the generated code builds funcrefs with positional initializers. */
typedef struct {
	wasm_rt_func_type_t func_type;
	wasm_rt_function_ptr_t func;
	wasm_rt_tailcallee_t func_tailcallee;
	void *module_instance;
} wasm_rt_funcref_t;
typedef void *wasm_rt_externref_t;
#define wasm_rt_funcref_null_value ((wasm_rt_funcref_t){NULL, NULL, {NULL}, NULL})
#define wasm_rt_externref_null_value ((wasm_rt_externref_t)NULL)

typedef struct {
	uint8_t *data;      /* size bytes, zero-initialised, from malloc */
	uint64_t pages;     /* current size in 64 KiB pages */
	uint64_t max_pages; /* the module's declared maximum */
	uint64_t size;      /* pages * page_size */
	bool is64;
	uint32_t page_size;
} wasm_rt_memory_t;

typedef struct {
	wasm_rt_funcref_t *data;
	uint32_t max_size;
	uint32_t size;
} wasm_rt_funcref_table_t;

typedef struct {
	wasm_rt_externref_t *data;
	uint32_t max_size;
	uint32_t size;
} wasm_rt_externref_table_t;

/* State shared with the generated code and the host. */
extern uint32_t wasm_rt_call_stack_depth;
extern uint32_t wasm_rt_max_call_stack_depth;
extern wasm_rt_trap_t wasm_rt_last_trap; /* the code of the last trap */
extern bool wasm_rt_grow_refused;        /* whether the last memory grow was refused */

/* Host controls. */
void wasm_rt_set_memory_limit(uint64_t bytes);
void wasm_rt_set_max_call_stack_depth(uint32_t depth);
void wasm_rt_set_trap_target(sigjmp_buf *target);
const char *wasm_rt_strerror(wasm_rt_trap_t trap);

/* Defined by the host: a trap with no target installed. Must not return. */
void wasm_rt_host_fatal(wasm_rt_trap_t trap) __attribute__((noreturn));

/* Called by the generated code. */
void wasm_rt_trap(wasm_rt_trap_t trap) __attribute__((noreturn));
bool wasm_rt_is_initialized(void);
void wasm_rt_allocate_memory(wasm_rt_memory_t *mem, uint64_t initial_pages, uint64_t max_pages,
                             bool is64, uint32_t page_size);
uint64_t wasm_rt_grow_memory(wasm_rt_memory_t *mem, uint64_t delta);
void wasm_rt_free_memory(wasm_rt_memory_t *mem);
void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t *table, uint32_t elements,
																		uint32_t max_elements);
void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t *table);

#ifdef __cplusplus
}
#endif

#endif /* WASM_RT_H_ */
