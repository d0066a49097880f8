/*
 * engine_call.c — building engine requests, reading engine responses, running what they say.
 *
 * A response is {"ok": true, "result": {...}} or {"ok": false, "error": {sqlstate, message,
 * detail, hint, position}}. An error value is raised here with its SQLSTATE; its position (a
 * character offset in the defining query) is reported as an internal position with the query
 * as internal query, as PostgreSQL does for queries inside function arguments.
 *
 * Responses are parsed with PostgreSQL's own jsonb, so no JSON code lives in C.
 */
#include "postgres.h"

#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/fmgrprotos.h"
#include "utils/json.h"
#include "utils/jsonb.h"

#include "engine_host.h"
#include "pg_trickle.h"

/* Starts a request object for operation `op`. */
void
pgt_request_begin(PgtRequest *req, const char *op)
{
	initStringInfo(&req->buf);
	appendStringInfoString(&req->buf, "{\"op\":");
	escape_json(&req->buf, op);
	req->empty = false;
}

static void
request_key(PgtRequest *req, const char *key)
{
	appendStringInfoChar(&req->buf, ',');
	escape_json(&req->buf, key);
	appendStringInfoChar(&req->buf, ':');
}

/* Adds a string member; NULL becomes JSON null. */
void
pgt_request_text(PgtRequest *req, const char *key, const char *value)
{
	request_key(req, key);
	if (value == NULL)
		appendStringInfoString(&req->buf, "null");
	else
		escape_json(&req->buf, value);
}

/* Adds an integer member. */
void
pgt_request_int(PgtRequest *req, const char *key, int64 value)
{
	request_key(req, key);
	appendStringInfo(&req->buf, INT64_FORMAT, value);
}

/* Adds a boolean member. */
void
pgt_request_bool(PgtRequest *req, const char *key, bool value)
{
	request_key(req, key);
	appendStringInfoString(&req->buf, value ? "true" : "false");
}

/* Adds a member whose value is JSON text already. */
void
pgt_request_raw(PgtRequest *req, const char *key, const char *json)
{
	request_key(req, key);
	appendStringInfoString(&req->buf, json);
}

/* Closes the request and returns its text. */
char *
pgt_request_end(PgtRequest *req)
{
	appendStringInfoChar(&req->buf, '}');
	return req->buf.data;
}

/* The JSON value of `key` in `obj`, or false when absent. */
static bool
json_member(JsonbContainer *obj, const char *key, JsonbValue *out)
{
	return getKeyJsonValueFromContainer(obj, key, strlen(key), out) != NULL;
}

/* The string member `key` of `obj` (palloc'd), or NULL when absent or not a string. */
char *
pgt_json_text(JsonbContainer *obj, const char *key)
{
	JsonbValue	v;

	if (!json_member(obj, key, &v))
		return NULL;
	if (v.type == jbvString)
		return pnstrdup(v.val.string.val, v.val.string.len);
	if (v.type == jbvNumeric)
		return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(v.val.numeric)));
	return NULL;
}

/* The boolean member `key` of `obj` (false when absent). */
bool
pgt_json_bool(JsonbContainer *obj, const char *key)
{
	JsonbValue	v;

	return json_member(obj, key, &v) && v.type == jbvBool && v.val.boolean;
}

/* The object or array member `key` of `obj`, or NULL. */
JsonbContainer *
pgt_json_container(JsonbContainer *obj, const char *key)
{
	JsonbValue	v;

	if (!json_member(obj, key, &v) || v.type != jbvBinary)
		return NULL;
	return v.val.binary.data;
}

/* The number of elements of a JSON array. */
int
pgt_json_array_length(JsonbContainer *array)
{
	return array == NULL ? 0 : (int) JsonContainerSize(array);
}

/* Element `index` of a JSON array of objects. */
JsonbContainer *
pgt_json_array_item(JsonbContainer *array, int index)
{
	JsonbValue *v = getIthJsonbValueFromContainer(array, index);

	if (v == NULL || v->type != jbvBinary)
		elog(ERROR, "pg_trickle engine response: array element %d is not an object", index);
	return v->val.binary.data;
}

/* Raises the engine's error value `err`; `query` is the defining query its position refers to. */
static void
raise_engine_error(JsonbContainer *err, const char *query)
{
	char	   *sqlstate = pgt_json_text(err, "sqlstate");
	char	   *message = pgt_json_text(err, "message");
	char	   *detail = pgt_json_text(err, "detail");
	char	   *hint = pgt_json_text(err, "hint");
	char	   *position = pgt_json_text(err, "position");
	int			pos = position ? atoi(position) : 0;

	if (sqlstate == NULL || strlen(sqlstate) != 5 || message == NULL)
		elog(ERROR, "pg_trickle engine returned a malformed error");
	ereport(ERROR,
			(errcode(MAKE_SQLSTATE(sqlstate[0], sqlstate[1], sqlstate[2], sqlstate[3], sqlstate[4])),
			 errmsg_internal("%s", message),
			 detail ? errdetail_internal("%s", detail) : 0,
			 hint ? errhint("%s", hint) : 0,
			 (pos > 0 && query != NULL) ? internalerrposition(pos) : 0,
			 (pos > 0 && query != NULL) ? internalerrquery(query) : 0));
}

/*
 * Sends `request` to the engine and returns the result object of a successful response; an
 * error value is raised (positions relative to `query`, which may be NULL).
 */
JsonbContainer *
pgt_engine_request(const char *request, const char *query)
{
	int			len;
	char	   *response = pgt_engine_call(request, strlen(request), &len);
	Jsonb	   *jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(response)));
	JsonbContainer *result;

	if (!pgt_json_bool(&jb->root, "ok"))
	{
		JsonbContainer *err = pgt_json_container(&jb->root, "error");

		if (err == NULL)
			elog(ERROR, "pg_trickle engine returned neither a result nor an error");
		raise_engine_error(err, query);
	}
	result = pgt_json_container(&jb->root, "result");
	if (result == NULL)
		elog(ERROR, "pg_trickle engine returned no result");
	return result;
}

/* Raises every string of the result's "warnings" array as a WARNING. */
void
pgt_emit_warnings(JsonbContainer *result)
{
	JsonbContainer *warnings = pgt_json_container(result, "warnings");
	int			n = pgt_json_array_length(warnings);

	for (int i = 0; i < n; i++)
	{
		JsonbValue *v = getIthJsonbValueFromContainer(warnings, i);

		if (v != NULL && v->type == jbvString)
			ereport(WARNING, (errmsg_internal("%.*s", v->val.string.len, v->val.string.val)));
	}
}

/*
 * Runs the result's "statements" in order, through SPI, in the current transaction. Their own
 * NOTICEs ("drop cascades to ...") are internal detail, so client_min_messages is raised to
 * WARNING while they run, and restored after (also on error, by transaction abort).
 */
void
pgt_run_statements(JsonbContainer *result)
{
	JsonbContainer *statements = pgt_json_container(result, "statements");
	int			n = pgt_json_array_length(statements);
	int			guc_nest_level = NewGUCNestLevel();

	(void) set_config_option("client_min_messages", "warning", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	for (int i = 0; i < n; i++)
	{
		char	   *sql = pgt_json_text(pgt_json_array_item(statements, i), "sql");
		int			rc = SPI_execute(sql, false, 0);

		if (rc < 0)
			elog(ERROR, "pg_trickle: SPI_execute failed (%s) for: %s", SPI_result_code_string(rc), sql);
	}
	AtEOXact_GUC(true, guc_nest_level);
}
