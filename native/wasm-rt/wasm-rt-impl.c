/*
 * wasm-rt-impl.c — traps, bounded linear memory and funcref tables for wasm2c output.
 *
 * See wasm-rt.h for the invariants. Nothing here allocates from PostgreSQL memory contexts or
 * raises PostgreSQL errors, so the same file builds into the backend and into the Node addon.
 */
#include "wasm-rt.h"

#include <stdlib.h>

#define DEFAULT_MEMORY_LIMIT ((uint64_t) 256 * 1024 * 1024)
#define DEFAULT_MAX_CALL_STACK_DEPTH 1000

uint32_t wasm_rt_call_stack_depth = 0;
uint32_t wasm_rt_max_call_stack_depth = DEFAULT_MAX_CALL_STACK_DEPTH;
wasm_rt_trap_t wasm_rt_last_trap = WASM_RT_TRAP_NONE;
bool wasm_rt_grow_refused = false;

static uint64_t memory_limit = DEFAULT_MEMORY_LIMIT;
static sigjmp_buf *trap_target = NULL;

/* Caps the byte size of every linear memory allocated or grown from now on. */
void
wasm_rt_set_memory_limit(uint64_t bytes)
{
	memory_limit = bytes;
}

/* Sets how many nested wasm calls may be active before an EXHAUSTION trap. */
void
wasm_rt_set_max_call_stack_depth(uint32_t depth)
{
	wasm_rt_max_call_stack_depth = depth;
}

/* Installs (or, with NULL, removes) the jump target of the next trap. */
void
wasm_rt_set_trap_target(sigjmp_buf *target)
{
	trap_target = target;
}

/* Abandons every active wasm frame: jumps to the host's target with the trap code. */
void
wasm_rt_trap(wasm_rt_trap_t trap)
{
	sigjmp_buf *target = trap_target;

	/* The frames that counted depth and the target's frame are both gone after the jump. */
	trap_target = NULL;
	wasm_rt_call_stack_depth = 0;
	wasm_rt_last_trap = trap;
	if (target == NULL)
		wasm_rt_host_fatal(trap);
	siglongjmp(*target, (int) trap);
}

/* A short description of a trap code, for error details. */
const char *
wasm_rt_strerror(wasm_rt_trap_t trap)
{
	switch (trap)
	{
		case WASM_RT_TRAP_OOB: return "out-of-bounds memory access";
		case WASM_RT_TRAP_INT_OVERFLOW: return "integer overflow";
		case WASM_RT_TRAP_DIV_BY_ZERO: return "integer division by zero";
		case WASM_RT_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
		case WASM_RT_TRAP_UNREACHABLE: return "unreachable code executed";
		case WASM_RT_TRAP_CALL_INDIRECT: return "invalid indirect call";
		case WASM_RT_TRAP_EXHAUSTION: return "call stack exhausted";
		case WASM_RT_TRAP_ABORT: return "engine aborted";
		default: return "unknown trap";
	}
}

/* The runtime needs no initialisation. */
bool
wasm_rt_is_initialized(void)
{
	return true;
}

/* Records a refused allocation and returns wasm's grow-failure value. */
static uint64_t
refuse_memory(void)
{
	wasm_rt_grow_refused = true;
	return UINT64_MAX;
}

/* Gives a memory its initial zeroed pages; traps when the cap or malloc refuses them. */
void
wasm_rt_allocate_memory(wasm_rt_memory_t *mem, uint64_t initial_pages, uint64_t max_pages,
												bool is64, uint32_t page_size)
{
	mem->data = NULL;
	mem->pages = 0;
	mem->size = 0;
	mem->max_pages = max_pages;
	mem->is64 = is64;
	mem->page_size = page_size;
	if (wasm_rt_grow_memory(mem, initial_pages) == UINT64_MAX)
		wasm_rt_trap(WASM_RT_TRAP_OOB);
}

/* memory.grow: returns the old page count, or UINT64_MAX when refused. */
uint64_t
wasm_rt_grow_memory(wasm_rt_memory_t *mem, uint64_t delta)
{
	uint64_t old_pages = mem->pages;
	uint64_t new_pages = old_pages + delta;
	uint64_t new_size;
	uint8_t *data;

	if (new_pages < old_pages || new_pages > mem->max_pages ||
			new_pages > memory_limit / mem->page_size || new_pages > SIZE_MAX / mem->page_size)
		return refuse_memory();
	new_size = new_pages * mem->page_size;
	/* realloc(p, 0) may free p; keep at least one byte so data is never dangling. */
	data = (uint8_t *) realloc(mem->data, new_size > 0 ? (size_t) new_size : 1);
	if (data == NULL)
		return refuse_memory();
	memset(data + mem->size, 0, (size_t) (new_size - mem->size));
	mem->data = data;
	mem->pages = new_pages;
	mem->size = new_size;
	wasm_rt_grow_refused = false;
	return old_pages;
}

/* Releases a memory; safe on a zeroed or already freed one. */
void
wasm_rt_free_memory(wasm_rt_memory_t *mem)
{
	free(mem->data);
	mem->data = NULL;
	mem->pages = 0;
	mem->size = 0;
}

/* Allocates a table of null funcrefs; traps when malloc refuses. */
void
wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t *table, uint32_t elements,
                               uint32_t max_elements)
{
	table->size = elements;
	table->max_size = max_elements;
	table->data = (wasm_rt_funcref_t *) calloc(elements > 0 ? elements : 1, sizeof(wasm_rt_funcref_t));
	if (table->data == NULL)
	{
		table->size = 0;
		wasm_rt_grow_refused = true;
		wasm_rt_trap(WASM_RT_TRAP_OOB);
	}
}

/* Releases a table; safe on a zeroed or already freed one. */
void
wasm_rt_free_funcref_table(wasm_rt_funcref_table_t *table)
{
	free(table->data);
	table->data = NULL;
	table->size = 0;
}
