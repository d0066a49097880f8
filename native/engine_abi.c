/*
 * engine_abi.c — engine memory access and abort decoding shared by both engine hosts.
 *
 * Every address and length the engine hands a host is checked against its current memory size
 * here; a bad one is an engine bug and traps, which the host's call guard turns into an error.
 */
#include "engine_abi.h"

#include <stdio.h>
#include <string.h>

/* Longest message or file name kept from an abort. */
#define ABORT_PART_MAX 200

/* The bytes [address, address + length) of `memory`; traps (OOB) when they are not all in it. */
uint8_t *
engine_memory_span(wasm_rt_memory_t *memory, uint64_t address, uint64_t length)
{
	if (address + length > memory->size)
		wasm_rt_trap(WASM_RT_TRAP_OOB);
	return memory->data + address;
}

/* Decodes an AssemblyScript string (UTF-16, byte length at address - 4) as printable ASCII. */
static int
decode_string(wasm_rt_memory_t *memory, uint32_t address, char *out, size_t out_size)
{
	uint32_t	byte_length;
	size_t		n = 0;

	if (address < 4 || (uint64_t) address > memory->size)
		return 0;
	memcpy(&byte_length, memory->data + address - 4, sizeof(byte_length));
	if (byte_length % 2 != 0 || (uint64_t) address + byte_length > memory->size)
		return 0;
	for (uint32_t i = 0; i < byte_length / 2 && n + 1 < out_size; i++)
	{
		uint16_t	unit;

		memcpy(&unit, memory->data + address + 2 * i, sizeof(unit));
		if (unit < 0x20)
			return 0;			/* control characters: not a real message */
		out[n++] = unit < 0x7f ? (char) unit : '?';
	}
	out[n] = '\0';
	return 1;
}

/* Writes a sentence describing an AssemblyScript abort(message, file, line, column) into `out`. */
void
engine_describe_abort(wasm_rt_memory_t *memory, uint32_t message_address, uint32_t file_address,
					  uint32_t line, uint32_t column, char *out, size_t out_size)
{
	char		message[ABORT_PART_MAX];
	char		file[ABORT_PART_MAX];

	if (decode_string(memory, message_address, message, sizeof(message)) &&
		decode_string(memory, file_address, file, sizeof(file)))
		snprintf(out, out_size, "The engine aborted with \"%s\" at %s:%u:%u.", message, file, line, column);
	else if (line == 1 && column == 1)
		/* AssemblyScript's stack-overflow abort passes garbage pointers with line 1, column 1. */
		snprintf(out, out_size, "The engine aborted: engine stack overflow.");
	else
		snprintf(out, out_size, "The engine aborted at line %u, column %u with an unreadable message.", line, column);
}
