/*
 * compat.h — every PostgreSQL-version difference the shim cares about, in one place.
 *
 * Supported: PostgreSQL 16, 17, 18.
 */
#ifndef PGT_COMPAT_H
#define PGT_COMPAT_H

#include "nodes/nodes.h"

#if PG_VERSION_NUM < 160000
#error "pg_trickle requires PostgreSQL 16 or later"
#endif

/*
 * The raw parse tree as text with token locations. PostgreSQL 17 stopped writing locations in
 * nodeToString() and added nodeToStringWithLocations(); in 16 nodeToString() always writes them.
 */
#if PG_VERSION_NUM >= 170000
#define pgt_node_to_string(node) nodeToStringWithLocations(node)
#else
#define pgt_node_to_string(node) nodeToString(node)
#endif

#endif							/* PGT_COMPAT_H */
