/*
 * pg_trickle.h — shared declarations of the C shim.
 *
 * Vocabulary:
 *   stream table   an ordinary table kept equal to its defining query by refreshes
 *   source         a table a defining query reads; its changes are captured into a change buffer
 *   engine         the AssemblyScript program (wasm2c-translated) that plans everything; the shim
 *                  sends it JSON requests and runs the SQL it returns through SPI
 *   frontier       the snapshot of a stream table's last refresh; the next refresh consumes the
 *                  buffered changes visible now but not in the frontier
 */
#ifndef PG_TRICKLE_H
#define PG_TRICKLE_H

#include "postgres.h"
#include "lib/stringinfo.h"
#include "utils/jsonb.h"

/* GUCs (pg_trickle.c) */
extern int	pg_trickle_engine_max_memory_mb;
extern int	pg_trickle_min_schedule_seconds;
extern double pg_trickle_differential_max_change_ratio;
extern int	pg_trickle_refresh_strategy;
extern bool pg_trickle_force_full_refresh;
extern bool pg_trickle_enabled;
extern int	pg_trickle_scheduler_interval_ms;
extern int	pg_trickle_default_schedule_seconds;
extern int	pg_trickle_max_consecutive_errors;
extern int	pg_trickle_history_retention_days;
extern int	pg_trickle_max_grouping_set_branches;
extern int	pg_trickle_ivm_topk_max_limit;
extern int	pg_trickle_ivm_recursive_max_depth;
extern int	pg_trickle_full_refresh_every;
extern bool pg_trickle_wake_on_commit;

/* Values of pg_trickle.refresh_strategy. */
typedef enum PgtRefreshStrategy
{
	PGT_STRATEGY_AUTO,
	PGT_STRATEGY_DIFFERENTIAL,
	PGT_STRATEGY_FULL
} PgtRefreshStrategy;

extern const char *pgt_refresh_strategy_name(void);

/* Values of pg_trickle.volatile_function_policy. */
typedef enum PgtVolatilePolicy
{
	PGT_VOLATILE_REJECT,
	PGT_VOLATILE_WARN,
	PGT_VOLATILE_ALLOW
} PgtVolatilePolicy;

extern int	pg_trickle_volatile_function_policy;
extern const char *pgt_volatile_function_policy_name(void);
extern char *pgt_installed_version(void);
extern void pgt_check_installed_version(const char *action);
extern bool pgt_installed_sql_is_current(void);

/* engine_call.c: requests, responses, statement lists */
typedef struct PgtRequest
{
	StringInfoData buf;
	bool		empty;
} PgtRequest;

extern void pgt_request_begin(PgtRequest *req, const char *op);
extern void pgt_request_text(PgtRequest *req, const char *key, const char *value);
extern void pgt_request_int(PgtRequest *req, const char *key, int64 value);
extern void pgt_request_bool(PgtRequest *req, const char *key, bool value);
extern void pgt_request_raw(PgtRequest *req, const char *key, const char *json);
extern char *pgt_request_end(PgtRequest *req);

extern JsonbContainer *pgt_engine_request(const char *request, const char *query);
extern char *pgt_json_text(JsonbContainer *obj, const char *key);
extern bool pgt_json_bool(JsonbContainer *obj, const char *key);
extern JsonbContainer *pgt_json_container(JsonbContainer *obj, const char *key);
extern int	pgt_json_array_length(JsonbContainer *array);
extern JsonbContainer *pgt_json_array_item(JsonbContainer *array, int index);
extern void pgt_emit_warnings(JsonbContainer *result);
extern void pgt_run_statements(JsonbContainer *result);

/* refresh.c */
extern bool pgt_refresh_in_progress;
extern bool pgt_refresh(const char *name, const char *initiated_by, bool skip_if_busy);

/* api.c, restore.c: rebuilding and relinking stream tables */
extern void pgt_rebuild_stream_tables(const char *where);
extern bool pgt_relink_restored(bool quiet);
extern bool pgt_try_relink_restored(int elevel);
extern void pgt_check_linked_before_capture(void);

/* inheritance.c */
struct EventTriggerData;
extern void pgt_inheritance_changed(struct EventTriggerData *trigdata);

/* scheduler.c */
extern void pgt_register_background_workers(void);
extern bool pgt_scheduler_available(void);
extern void pgt_wake_scheduler_at_commit(void);

#endif							/* PG_TRICKLE_H */
