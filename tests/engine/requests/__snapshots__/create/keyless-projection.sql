-- SELECT kind, n FROM events WHERE n > 0
-- refreshMode DIFFERENTIAL; operatorTree Project(Filter(Scan(public.events)))

-- statement 1 (counting none)
CREATE TABLE "public"."new_st" AS
SELECT q.*, hash_record_extended(ROW(q."kind", q."n"), 0) AS __pgt_row_id
  FROM (SELECT __pgt_s0."kind" AS "kind", __pgt_s0."n" AS "n"
          FROM "public"."events" AS __pgt_s0
  WHERE (__pgt_s0."n" > 0)) AS q
WITH NO DATA;

-- statement 2 (counting none)
CREATE INDEX "new_st___pgt_row_id_idx" ON "public"."new_st" (__pgt_row_id);

-- statement 3 (counting none)
CREATE TABLE pgtrickle_changes."changes_16390" (
  __pgt_seq bigint NOT NULL DEFAULT nextval('pgtrickle_changes.change_seq'),
  __pgt_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  __pgt_action "char" NOT NULL,
  "n" bigint,
  "kind" text
);

-- statement 4 (counting none)
CREATE INDEX ON pgtrickle_changes."changes_16390" (__pgt_xid);

-- statement 5 (counting none)
COMMENT ON TABLE pgtrickle_changes."changes_16390" IS 'pg_trickle change buffer of "public"."events"';

-- statement 6 (counting none)
CREATE OR REPLACE FUNCTION pgtrickle_changes."capture_16390"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $pgt$
BEGIN
  PERFORM pgtrickle._wake_scheduler();
  IF TG_OP = 'INSERT' THEN
    INSERT INTO pgtrickle_changes."changes_16390" (__pgt_action, "n", "kind") SELECT 'I', "n", "kind" FROM __pgt_new;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO pgtrickle_changes."changes_16390" (__pgt_action, "n", "kind") SELECT 'D', "n", "kind" FROM __pgt_old;
    INSERT INTO pgtrickle_changes."changes_16390" (__pgt_action, "n", "kind") SELECT 'I', "n", "kind" FROM __pgt_new;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO pgtrickle_changes."changes_16390" (__pgt_action, "n", "kind") SELECT 'D', "n", "kind" FROM __pgt_old;
  ELSE
    INSERT INTO pgtrickle_changes."changes_16390" (__pgt_action) VALUES ('T');
  END IF;
  RETURN NULL;
END
$pgt$;

-- statement 7 (counting none)
CREATE TRIGGER pgtrickle_capture_insert AFTER INSERT ON "public"."events" REFERENCING NEW TABLE AS __pgt_new FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle_changes."capture_16390"();

-- statement 8 (counting none)
CREATE TRIGGER pgtrickle_capture_update AFTER UPDATE ON "public"."events" REFERENCING OLD TABLE AS __pgt_old NEW TABLE AS __pgt_new FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle_changes."capture_16390"();

-- statement 9 (counting none)
CREATE TRIGGER pgtrickle_capture_delete AFTER DELETE ON "public"."events" REFERENCING OLD TABLE AS __pgt_old FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle_changes."capture_16390"();

-- statement 10 (counting none)
CREATE TRIGGER pgtrickle_capture_truncate AFTER TRUNCATE ON "public"."events" FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle_changes."capture_16390"();

-- statement 11 (counting none)
CREATE TRIGGER pgtrickle_guard BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "public"."new_st" FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle._guard_stream_table();

-- statement 12 (counting none)
COMMENT ON TABLE "public"."new_st" IS 'pg_trickle stream table';

-- statement 13 (counting none)
INSERT INTO pgtrickle.pgt_stream_tables (pgt_relid, pgt_name, pgt_schema, defining_query, original_query,
  schedule, refresh_mode, requested_mode, effective_refresh_mode, downgrade_reason, database_identity, refresh_program)
VALUES ('"public"."new_st"'::regclass, 'new_st', 'public', 'SELECT kind, n FROM events WHERE n > 0', 'SELECT kind, n FROM events WHERE n > 0',
  NULL, 'DIFFERENTIAL', 'AUTO', 'DIFFERENTIAL', NULL, pgtrickle._database_identity(), '<the program below>'::jsonb);

-- statement 14 (counting none)
INSERT INTO pgtrickle.pgt_dependencies (pgt_id, source_relid, source_type, columns_used, cdc_mode)
SELECT pgt_id, 16390, 'TABLE', ARRAY['n', 'kind']::text[], 'trigger'
FROM pgtrickle.pgt_stream_tables WHERE pgt_relid = '"public"."new_st"'::regclass;

-- program.probe
SELECT sum(p.truncates)::bigint AS truncates, sum(p.changes)::bigint AS changes, sum(p.source_rows)::bigint AS source_rows,
  string_agg(p.oid || ':' || p.changes, ',') AS per_source
FROM (SELECT count(*) FILTER (WHERE b.__pgt_action = 'T') AS truncates, count(*) AS changes,
  (SELECT GREATEST(c.reltuples, 0)::bigint FROM pg_class c WHERE c.oid = 16390) AS source_rows, '16390' AS oid
FROM pgtrickle_changes."changes_16390" AS b
WHERE b.__pgt_xid >= $2::xid8
  AND NOT (CASE WHEN b.__pgt_xid = $3::xid8 THEN b.__pgt_seq <= $4::bigint
           ELSE pg_visible_in_snapshot(b.__pgt_xid, $1::pg_snapshot) END)) AS p;

-- program.full 1 (counting none)
TRUNCATE "public"."new_st";

-- program.full 2 (counting none)
DROP INDEX IF EXISTS "public"."new_st___pgt_row_id_idx";

-- program.full 3 (counting inserted)
INSERT INTO "public"."new_st" ("kind", "n", "__pgt_row_id")
SELECT q.*, hash_record_extended(ROW(q."kind", q."n"), 0) AS __pgt_row_id
  FROM (SELECT __pgt_s0."kind" AS "kind", __pgt_s0."n" AS "n"
          FROM "public"."events" AS __pgt_s0
  WHERE (__pgt_s0."n" > 0)) AS q;

-- program.full 4 (counting none)
CREATE INDEX "new_st___pgt_row_id_idx" ON "public"."new_st" (__pgt_row_id);

-- program.differential 1 (counting returned)
WITH __pgt_d0 AS (
SELECT b.__pgt_seq, CASE WHEN b.__pgt_action = 'I' THEN 1 ELSE -1 END AS __pgt_sign, b."n" AS c0_0, b."kind" AS c0_1
  FROM pgtrickle_changes."changes_16390" AS b
  WHERE b.__pgt_xid >= $2::xid8
  AND NOT (CASE WHEN b.__pgt_xid = $3::xid8 THEN b.__pgt_seq <= $4::bigint
           ELSE pg_visible_in_snapshot(b.__pgt_xid, $1::pg_snapshot) END)
    AND b.__pgt_action <> 'T'
),
__pgt_w AS (
/*pgt:term needs=16390*/
SELECT __pgt_s0.__pgt_sign AS __pgt_sign, __pgt_s0.c0_0 AS c0_0, __pgt_s0.c0_1 AS c0_1
  FROM __pgt_d0 AS __pgt_s0
  WHERE (__pgt_s0.c0_0 > 0)
/*pgt:end*/
),
__pgt_d AS MATERIALIZED (
  SELECT q.*, hash_record_extended(ROW(q."kind", q."n"), 0) AS __pgt_row_id
  FROM (SELECT w.c0_1 AS "kind", w.c0_0 AS "n", sum(w.__pgt_sign) AS __pgt_count
        FROM __pgt_w AS w
        GROUP BY 1, 2
        HAVING sum(w.__pgt_sign) <> 0) AS q
),
__pgt_del AS (
  DELETE FROM "public"."new_st" AS st
  USING (SELECT x.tid FROM (SELECT * FROM __pgt_d WHERE __pgt_count < 0) AS n
         CROSS JOIN LATERAL (SELECT s2.ctid AS tid FROM "public"."new_st" AS s2
                             WHERE s2.__pgt_row_id = n.__pgt_row_id AND s2."kind" IS NOT DISTINCT FROM n."kind" AND s2."n" IS NOT DISTINCT FROM n."n"
                             LIMIT -n.__pgt_count) AS x) AS z
  WHERE st.ctid = z.tid
  RETURNING 1
),
__pgt_ins AS (
  INSERT INTO "public"."new_st" ("kind", "n", __pgt_row_id)
  SELECT d."kind", d."n", d.__pgt_row_id
  FROM __pgt_d AS d CROSS JOIN LATERAL generate_series(1, d.__pgt_count)
  WHERE d.__pgt_count > 0
  RETURNING 1
)
SELECT (SELECT count(*) FROM __pgt_ins), (SELECT count(*) FROM __pgt_del);
