-- SELECT o.id FROM orders o WHERE o.customer NOT IN (SELECT e.n FROM events e WHERE e.kind = o.note)
-- refreshMode DIFFERENTIAL; operatorTree Project(Filter(LeftJoin(LeftJoin(Scan(public.orders), Derived(Distinct(Scan(public.events)))), Derived(Aggregate(Scan(public.events))))))

-- statement 1 (counting none)
CREATE TABLE "public"."new_st" AS
SELECT q.*, hash_record_extended(ROW(q."id"), 0) AS __pgt_row_id
  FROM (SELECT __pgt_s0."id" AS "id"
          FROM (("public"."orders" AS __pgt_s0 LEFT JOIN (SELECT __pgt_s1."kind" AS o1, __pgt_s1."n" AS o2
  FROM "public"."events" AS __pgt_s1
  GROUP BY __pgt_s1."kind", __pgt_s1."n") AS __pgt_s2 ON ((__pgt_s2."o1" = __pgt_s0."note") AND (__pgt_s0."customer" = __pgt_s2."o2"))) LEFT JOIN (SELECT __pgt_s3."kind" AS o1, count(*) AS o2, count(*) FILTER (WHERE (__pgt_s3."n" IS NULL)) AS o3
  FROM "public"."events" AS __pgt_s3
  GROUP BY __pgt_s3."kind") AS __pgt_s4 ON (__pgt_s4."o1" = __pgt_s0."note"))
  WHERE (NOT CASE WHEN (__pgt_s2."o2" IS NOT NULL) THEN true WHEN (COALESCE(__pgt_s4."o2", 0) = 0) THEN false WHEN ((__pgt_s0."customer" IS NULL) OR (__pgt_s4."o3" > 0)) THEN NULL ELSE false END)) AS q
WITH NO DATA;

-- statement 2 (counting none)
CREATE INDEX "new_st___pgt_row_id_idx" ON "public"."new_st" (__pgt_row_id);

-- statement 3 (counting none)
CREATE TABLE pgtrickle_changes."changes_16384" (
  __pgt_seq bigint NOT NULL DEFAULT nextval('pgtrickle_changes.change_seq'),
  __pgt_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  __pgt_action "char" NOT NULL,
  "note" text,
  "customer" integer,
  "id" integer
);

-- statement 4 (counting none)
CREATE INDEX ON pgtrickle_changes."changes_16384" (__pgt_xid);

-- statement 5 (counting none)
COMMENT ON TABLE pgtrickle_changes."changes_16384" IS 'pg_trickle change buffer of "public"."orders"';

-- statement 6 (counting none)
CREATE OR REPLACE FUNCTION pgtrickle_changes."capture_16384"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $pgt$
BEGIN
  PERFORM pgtrickle._wake_scheduler();
  IF TG_OP = 'INSERT' THEN
    INSERT INTO pgtrickle_changes."changes_16384" (__pgt_action, "note", "customer", "id") SELECT 'I', "note", "customer", "id" FROM __pgt_new;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO pgtrickle_changes."changes_16384" (__pgt_action, "note", "customer", "id") SELECT 'D', "note", "customer", "id" FROM __pgt_old;
    INSERT INTO pgtrickle_changes."changes_16384" (__pgt_action, "note", "customer", "id") SELECT 'I', "note", "customer", "id" FROM __pgt_new;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO pgtrickle_changes."changes_16384" (__pgt_action, "note", "customer", "id") SELECT 'D', "note", "customer", "id" FROM __pgt_old;
  ELSE
    INSERT INTO pgtrickle_changes."changes_16384" (__pgt_action) VALUES ('T');
  END IF;
  RETURN NULL;
END
$pgt$;

-- statement 7 (counting none)
CREATE TRIGGER pgtrickle_capture_insert AFTER INSERT ON "public"."orders" REFERENCING NEW TABLE AS __pgt_new FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle_changes."capture_16384"();

-- statement 8 (counting none)
CREATE TRIGGER pgtrickle_capture_update AFTER UPDATE ON "public"."orders" REFERENCING OLD TABLE AS __pgt_old NEW TABLE AS __pgt_new FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle_changes."capture_16384"();

-- statement 9 (counting none)
CREATE TRIGGER pgtrickle_capture_delete AFTER DELETE ON "public"."orders" REFERENCING OLD TABLE AS __pgt_old FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle_changes."capture_16384"();

-- statement 10 (counting none)
CREATE TRIGGER pgtrickle_capture_truncate AFTER TRUNCATE ON "public"."orders" FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle_changes."capture_16384"();

-- statement 11 (counting none)
CREATE TABLE pgtrickle_changes."changes_16390" (
  __pgt_seq bigint NOT NULL DEFAULT nextval('pgtrickle_changes.change_seq'),
  __pgt_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  __pgt_action "char" NOT NULL,
  "kind" text,
  "n" bigint
);

-- statement 12 (counting none)
CREATE INDEX ON pgtrickle_changes."changes_16390" (__pgt_xid);

-- statement 13 (counting none)
COMMENT ON TABLE pgtrickle_changes."changes_16390" IS 'pg_trickle change buffer of "public"."events"';

-- statement 14 (counting none)
CREATE OR REPLACE FUNCTION pgtrickle_changes."capture_16390"() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $pgt$
BEGIN
  PERFORM pgtrickle._wake_scheduler();
  IF TG_OP = 'INSERT' THEN
    INSERT INTO pgtrickle_changes."changes_16390" (__pgt_action, "kind", "n") SELECT 'I', "kind", "n" FROM __pgt_new;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO pgtrickle_changes."changes_16390" (__pgt_action, "kind", "n") SELECT 'D', "kind", "n" FROM __pgt_old;
    INSERT INTO pgtrickle_changes."changes_16390" (__pgt_action, "kind", "n") SELECT 'I', "kind", "n" FROM __pgt_new;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO pgtrickle_changes."changes_16390" (__pgt_action, "kind", "n") SELECT 'D', "kind", "n" FROM __pgt_old;
  ELSE
    INSERT INTO pgtrickle_changes."changes_16390" (__pgt_action) VALUES ('T');
  END IF;
  RETURN NULL;
END
$pgt$;

-- statement 15 (counting none)
CREATE TRIGGER pgtrickle_capture_insert AFTER INSERT ON "public"."events" REFERENCING NEW TABLE AS __pgt_new FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle_changes."capture_16390"();

-- statement 16 (counting none)
CREATE TRIGGER pgtrickle_capture_update AFTER UPDATE ON "public"."events" REFERENCING OLD TABLE AS __pgt_old NEW TABLE AS __pgt_new FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle_changes."capture_16390"();

-- statement 17 (counting none)
CREATE TRIGGER pgtrickle_capture_delete AFTER DELETE ON "public"."events" REFERENCING OLD TABLE AS __pgt_old FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle_changes."capture_16390"();

-- statement 18 (counting none)
CREATE TRIGGER pgtrickle_capture_truncate AFTER TRUNCATE ON "public"."events" FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle_changes."capture_16390"();

-- statement 19 (counting none)
CREATE TRIGGER pgtrickle_guard BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "public"."new_st" FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle._guard_stream_table();

-- statement 20 (counting none)
COMMENT ON TABLE "public"."new_st" IS 'pg_trickle stream table';

-- statement 21 (counting none)
INSERT INTO pgtrickle.pgt_stream_tables (pgt_relid, pgt_name, pgt_schema, defining_query, original_query,
  schedule, refresh_mode, requested_mode, effective_refresh_mode, downgrade_reason, database_identity, refresh_program)
VALUES ('"public"."new_st"'::regclass, 'new_st', 'public', 'SELECT o.id FROM orders o WHERE o.customer NOT IN (SELECT e.n FROM events e WHERE e.kind = o.note)', 'SELECT o.id FROM orders o WHERE o.customer NOT IN (SELECT e.n FROM events e WHERE e.kind = o.note)',
  NULL, 'DIFFERENTIAL', 'AUTO', 'DIFFERENTIAL', NULL, pgtrickle._database_identity(), '<the program below>'::jsonb);

-- statement 22 (counting none)
INSERT INTO pgtrickle.pgt_dependencies (pgt_id, source_relid, source_type, columns_used, cdc_mode)
SELECT pgt_id, 16384, 'TABLE', ARRAY['note', 'customer', 'id']::text[], 'trigger'
FROM pgtrickle.pgt_stream_tables WHERE pgt_relid = '"public"."new_st"'::regclass;

-- statement 23 (counting none)
INSERT INTO pgtrickle.pgt_dependencies (pgt_id, source_relid, source_type, columns_used, cdc_mode)
SELECT pgt_id, 16390, 'TABLE', ARRAY['kind', 'n']::text[], 'trigger'
FROM pgtrickle.pgt_stream_tables WHERE pgt_relid = '"public"."new_st"'::regclass;

-- program.probe
SELECT sum(p.truncates)::bigint AS truncates, sum(p.changes)::bigint AS changes, sum(p.source_rows)::bigint AS source_rows,
  string_agg(p.oid || ':' || p.changes, ',') AS per_source
FROM (SELECT count(*) FILTER (WHERE b.__pgt_action = 'T') AS truncates, count(*) AS changes,
  (SELECT GREATEST(c.reltuples, 0)::bigint FROM pg_class c WHERE c.oid = 16384) AS source_rows, '16384' AS oid
FROM pgtrickle_changes."changes_16384" AS b
WHERE b.__pgt_xid >= $2::xid8
  AND NOT (CASE WHEN b.__pgt_xid = $3::xid8 THEN b.__pgt_seq <= $4::bigint
           ELSE pg_visible_in_snapshot(b.__pgt_xid, $1::pg_snapshot) END)
UNION ALL
SELECT count(*) FILTER (WHERE b.__pgt_action = 'T') AS truncates, count(*) AS changes,
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
INSERT INTO "public"."new_st" ("id", "__pgt_row_id")
SELECT q.*, hash_record_extended(ROW(q."id"), 0) AS __pgt_row_id
  FROM (SELECT __pgt_s0."id" AS "id"
          FROM (("public"."orders" AS __pgt_s0 LEFT JOIN (SELECT __pgt_s1."kind" AS o1, __pgt_s1."n" AS o2
  FROM "public"."events" AS __pgt_s1
  GROUP BY __pgt_s1."kind", __pgt_s1."n") AS __pgt_s2 ON ((__pgt_s2."o1" = __pgt_s0."note") AND (__pgt_s0."customer" = __pgt_s2."o2"))) LEFT JOIN (SELECT __pgt_s3."kind" AS o1, count(*) AS o2, count(*) FILTER (WHERE (__pgt_s3."n" IS NULL)) AS o3
  FROM "public"."events" AS __pgt_s3
  GROUP BY __pgt_s3."kind") AS __pgt_s4 ON (__pgt_s4."o1" = __pgt_s0."note"))
  WHERE (NOT CASE WHEN (__pgt_s2."o2" IS NOT NULL) THEN true WHEN (COALESCE(__pgt_s4."o2", 0) = 0) THEN false WHEN ((__pgt_s0."customer" IS NULL) OR (__pgt_s4."o3" > 0)) THEN NULL ELSE false END)) AS q;

-- program.full 4 (counting none)
CREATE INDEX "new_st___pgt_row_id_idx" ON "public"."new_st" (__pgt_row_id);

-- program.differential 1 (counting none)
CREATE TEMP TABLE pg_temp.__pgt_d0 AS
SELECT b.__pgt_seq, CASE WHEN b.__pgt_action = 'I' THEN 1 ELSE -1 END AS __pgt_sign, b."note" AS c0_0, b."customer" AS c0_1, b."id" AS c0_2
  FROM pgtrickle_changes."changes_16384" AS b
  WHERE b.__pgt_xid >= $2::xid8
  AND NOT (CASE WHEN b.__pgt_xid = $3::xid8 THEN b.__pgt_seq <= $4::bigint
           ELSE pg_visible_in_snapshot(b.__pgt_xid, $1::pg_snapshot) END)
    AND b.__pgt_action <> 'T';

-- program.differential 2 (counting none)
ANALYZE pg_temp.__pgt_d0 (c0_0, c0_1);

-- program.differential 3 (counting none)
CREATE TEMP TABLE pg_temp.__pgt_d1 AS
SELECT b.__pgt_seq, CASE WHEN b.__pgt_action = 'I' THEN 1 ELSE -1 END AS __pgt_sign, b."kind" AS c1_0, b."n" AS c1_1
  FROM pgtrickle_changes."changes_16390" AS b
  WHERE b.__pgt_xid >= $2::xid8
  AND NOT (CASE WHEN b.__pgt_xid = $3::xid8 THEN b.__pgt_seq <= $4::bigint
           ELSE pg_visible_in_snapshot(b.__pgt_xid, $1::pg_snapshot) END)
    AND b.__pgt_action <> 'T';

-- program.differential 4 (counting none)
ANALYZE pg_temp.__pgt_d1;

-- program.differential 5 (counting none)
CREATE TEMP TABLE pg_temp.__pgt_d2 AS
WITH __pgt_w AS (
/*pgt:term needs=16390*/
SELECT __pgt_s1.__pgt_sign AS __pgt_sign, __pgt_s1.c1_0 AS c1_0, __pgt_s1.c1_1 AS c1_1
  FROM pg_temp.__pgt_d1 AS __pgt_s1
/*pgt:end*/
),
__pgt_k AS (SELECT w.c1_0 AS __pgt_k1, w.c1_1 AS __pgt_k2, sum(w.__pgt_sign) AS __pgt_s FROM __pgt_w AS w GROUP BY __pgt_k1, __pgt_k2),
__pgt_e AS MATERIALIZED (SELECT k.*, CASE WHEN k.__pgt_k1 IS NULL OR k.__pgt_k2 IS NULL THEN (SELECT count(*) FROM (SELECT 1 FROM "public"."events" AS __pgt_s1 WHERE __pgt_s1."kind" IS NOT DISTINCT FROM k.__pgt_k1 AND __pgt_s1."n" IS NOT DISTINCT FROM k.__pgt_k2 LIMIT GREATEST(k.__pgt_s, 0) + 1) AS __pgt_x) ELSE (SELECT count(*) FROM (SELECT 1 FROM "public"."events" AS __pgt_s1 WHERE __pgt_s1."kind" = k.__pgt_k1 AND __pgt_s1."n" = k.__pgt_k2 LIMIT GREATEST(k.__pgt_s, 0) + 1) AS __pgt_x) END AS __pgt_n FROM __pgt_k AS k)
SELECT 1 AS __pgt_sign, e.__pgt_k1 AS c2_0, e.__pgt_k2 AS c2_1 FROM __pgt_e AS e WHERE e.__pgt_n > 0 AND e.__pgt_n <= e.__pgt_s
UNION ALL
SELECT -1, e.__pgt_k1 AS c2_0, e.__pgt_k2 AS c2_1 FROM __pgt_e AS e WHERE e.__pgt_n = 0 AND e.__pgt_s < 0;

-- program.differential 6 (counting none)
ANALYZE pg_temp.__pgt_d2 (c2_0, c2_1);

-- program.differential 7 (counting none)
CREATE TEMP TABLE pg_temp.__pgt_d3 AS
SELECT b.__pgt_seq, CASE WHEN b.__pgt_action = 'I' THEN 1 ELSE -1 END AS __pgt_sign, b."kind" AS c3_0, b."n" AS c3_1
  FROM pgtrickle_changes."changes_16390" AS b
  WHERE b.__pgt_xid >= $2::xid8
  AND NOT (CASE WHEN b.__pgt_xid = $3::xid8 THEN b.__pgt_seq <= $4::bigint
           ELSE pg_visible_in_snapshot(b.__pgt_xid, $1::pg_snapshot) END)
    AND b.__pgt_action <> 'T';

-- program.differential 8 (counting none)
ANALYZE pg_temp.__pgt_d3;

-- program.differential 9 (counting none)
CREATE TEMP TABLE pg_temp.__pgt_d4 AS
WITH __pgt_w AS (
/*pgt:term needs=16390*/
SELECT __pgt_s3.__pgt_sign AS __pgt_sign, __pgt_s3.c3_0 AS c3_0, __pgt_s3.c3_1 AS c3_1
  FROM pg_temp.__pgt_d3 AS __pgt_s3
/*pgt:end*/
),
__pgt_k AS (SELECT DISTINCT w.c3_0 AS __pgt_k1 FROM __pgt_w AS w),
__pgt_r AS MATERIALIZED (
SELECT __pgt_s3."kind" AS c3_0, __pgt_s3."n" AS c3_1 FROM "public"."events" AS __pgt_s3 WHERE (__pgt_s3."kind") IN (SELECT __pgt_k1 FROM __pgt_k)
  UNION ALL
SELECT __pgt_s3."kind" AS c3_0, __pgt_s3."n" AS c3_1 FROM "public"."events" AS __pgt_s3 WHERE NOT (__pgt_s3."kind" IS NOT NULL)
    AND EXISTS (SELECT 1 FROM __pgt_k AS k WHERE k.__pgt_k1 IS NULL)
    AND EXISTS (SELECT 1 FROM __pgt_k AS k WHERE k.__pgt_k1 IS NOT DISTINCT FROM __pgt_s3."kind")
),
__pgt_o AS (
SELECT n.c3_0, n.c3_1 FROM (SELECT c3_0, c3_1, sum(u.__pgt_m) AS __pgt_m FROM (SELECT c3_0, c3_1, 1 AS __pgt_m FROM __pgt_r UNION ALL SELECT c3_0, c3_1, -__pgt_sign FROM __pgt_w) AS u GROUP BY c3_0, c3_1) AS n CROSS JOIN LATERAL generate_series(1, n.__pgt_m) WHERE n.__pgt_m > 0
),
__pgt_new AS MATERIALIZED (SELECT r.c3_0 AS c4_0, count(*) AS c4_1, count(*) FILTER (WHERE (r.c3_1 IS NULL)) AS c4_2
  FROM __pgt_r AS r
  GROUP BY r.c3_0),
__pgt_old AS MATERIALIZED (SELECT r.c3_0 AS c4_0, count(*) AS c4_1, count(*) FILTER (WHERE (r.c3_1 IS NULL)) AS c4_2
  FROM __pgt_o AS r
  GROUP BY r.c3_0)
SELECT 1 AS __pgt_sign, q.* FROM __pgt_new AS q WHERE NOT EXISTS (SELECT 1 FROM __pgt_old AS p WHERE p.c4_0 = q.c4_0 AND p *= q)
UNION ALL
SELECT -1, q.* FROM __pgt_old AS q WHERE NOT EXISTS (SELECT 1 FROM __pgt_new AS p WHERE p.c4_0 = q.c4_0 AND p *= q);

-- program.differential 10 (counting none)
ANALYZE pg_temp.__pgt_d4 (c4_0, c4_1, c4_2);

-- program.differential 11 (counting returned)
WITH __pgt_w AS (
/*pgt:term needs=16384*/
SELECT __pgt_s0.__pgt_sign AS __pgt_sign, __pgt_s0.c0_0 AS c0_0, __pgt_s0.c0_1 AS c0_1, __pgt_s0.c0_2 AS c0_2, __pgt_s2."o1" AS c2_0, __pgt_s2."o2" AS c2_1, __pgt_s4."o1" AS c4_0, __pgt_s4."o2" AS c4_1, __pgt_s4."o3" AS c4_2
  FROM pg_temp.__pgt_d0 AS __pgt_s0,
       LATERAL (SELECT __pgt_s1."kind" AS o1, __pgt_s1."n" AS o2
  FROM "public"."events" AS __pgt_s1
  WHERE __pgt_s1."kind" = __pgt_s0.c0_0
    AND __pgt_s1."n" = __pgt_s0.c0_1
  GROUP BY __pgt_s1."kind", __pgt_s1."n") AS __pgt_s2,
       LATERAL (SELECT __pgt_s3."kind" AS o1, count(*) AS o2, count(*) FILTER (WHERE (__pgt_s3."n" IS NULL)) AS o3
  FROM "public"."events" AS __pgt_s3
  WHERE __pgt_s3."kind" = __pgt_s0.c0_0
  GROUP BY __pgt_s3."kind") AS __pgt_s4
  WHERE ((__pgt_s2."o1" = __pgt_s0.c0_0) AND (__pgt_s0.c0_1 = __pgt_s2."o2"))
    AND (__pgt_s4."o1" = __pgt_s0.c0_0)
    AND (NOT CASE WHEN (__pgt_s2."o2" IS NOT NULL) THEN true WHEN (COALESCE(__pgt_s4."o2", 0) = 0) THEN false WHEN ((__pgt_s0.c0_1 IS NULL) OR (__pgt_s4."o3" > 0)) THEN NULL ELSE false END)
/*pgt:end*/
UNION ALL
/*pgt:term needs=16384*/
SELECT (-(__pgt_s0.__pgt_sign * __pgt_x12.__pgt_sign)) AS __pgt_sign, __pgt_s0.c0_0 AS c0_0, __pgt_s0.c0_1 AS c0_1, __pgt_s0.c0_2 AS c0_2, __pgt_s2."o1" AS c2_0, __pgt_s2."o2" AS c2_1, __pgt_x12.c4_0 AS c4_0, __pgt_x12.c4_1 AS c4_1, __pgt_x12.c4_2 AS c4_2
  FROM pg_temp.__pgt_d0 AS __pgt_s0,
       LATERAL (SELECT __pgt_s1."kind" AS o1, __pgt_s1."n" AS o2
  FROM "public"."events" AS __pgt_s1
  WHERE __pgt_s1."kind" = __pgt_s0.c0_0
    AND __pgt_s1."n" = __pgt_s0.c0_1
  GROUP BY __pgt_s1."kind", __pgt_s1."n") AS __pgt_s2,
       pg_temp.__pgt_d4 AS __pgt_x12
  WHERE ((__pgt_s2."o1" = __pgt_s0.c0_0) AND (__pgt_s0.c0_1 = __pgt_s2."o2"))
    AND (SELECT true FROM pg_temp.__pgt_d4 LIMIT 1)
    AND (__pgt_x12.c4_0 = __pgt_s0.c0_0)
    AND (NOT CASE WHEN (__pgt_s2."o2" IS NOT NULL) THEN true WHEN (COALESCE(__pgt_x12.c4_1, 0) = 0) THEN false WHEN ((__pgt_s0.c0_1 IS NULL) OR (__pgt_x12.c4_2 > 0)) THEN NULL ELSE false END)
/*pgt:end*/
UNION ALL
/*pgt:term needs=16384*/
SELECT (-(__pgt_s0.__pgt_sign * __pgt_x1.__pgt_sign)) AS __pgt_sign, __pgt_s0.c0_0 AS c0_0, __pgt_s0.c0_1 AS c0_1, __pgt_s0.c0_2 AS c0_2, __pgt_x1.c2_0 AS c2_0, __pgt_x1.c2_1 AS c2_1, __pgt_s4."o1" AS c4_0, __pgt_s4."o2" AS c4_1, __pgt_s4."o3" AS c4_2
  FROM pg_temp.__pgt_d0 AS __pgt_s0,
       pg_temp.__pgt_d2 AS __pgt_x1,
       LATERAL (SELECT __pgt_s3."kind" AS o1, count(*) AS o2, count(*) FILTER (WHERE (__pgt_s3."n" IS NULL)) AS o3
  FROM "public"."events" AS __pgt_s3
  WHERE __pgt_s3."kind" = __pgt_s0.c0_0
  GROUP BY __pgt_s3."kind") AS __pgt_s4
  WHERE (SELECT true FROM pg_temp.__pgt_d2 LIMIT 1)
    AND ((__pgt_x1.c2_0 = __pgt_s0.c0_0) AND (__pgt_s0.c0_1 = __pgt_x1.c2_1))
    AND (__pgt_s4."o1" = __pgt_s0.c0_0)
    AND (NOT CASE WHEN (__pgt_x1.c2_1 IS NOT NULL) THEN true WHEN (COALESCE(__pgt_s4."o2", 0) = 0) THEN false WHEN ((__pgt_s0.c0_1 IS NULL) OR (__pgt_s4."o3" > 0)) THEN NULL ELSE false END)
/*pgt:end*/
UNION ALL
/*pgt:term needs=16384*/
SELECT (-((-(__pgt_s0.__pgt_sign * __pgt_x1.__pgt_sign)) * __pgt_x13.__pgt_sign)) AS __pgt_sign, __pgt_s0.c0_0 AS c0_0, __pgt_s0.c0_1 AS c0_1, __pgt_s0.c0_2 AS c0_2, __pgt_x1.c2_0 AS c2_0, __pgt_x1.c2_1 AS c2_1, __pgt_x13.c4_0 AS c4_0, __pgt_x13.c4_1 AS c4_1, __pgt_x13.c4_2 AS c4_2
  FROM pg_temp.__pgt_d0 AS __pgt_s0,
       pg_temp.__pgt_d2 AS __pgt_x1,
       pg_temp.__pgt_d4 AS __pgt_x13
  WHERE (SELECT true FROM pg_temp.__pgt_d2 LIMIT 1)
    AND ((__pgt_x1.c2_0 = __pgt_s0.c0_0) AND (__pgt_s0.c0_1 = __pgt_x1.c2_1))
    AND (SELECT true FROM pg_temp.__pgt_d4 LIMIT 1)
    AND (__pgt_x13.c4_0 = __pgt_s0.c0_0)
    AND (NOT CASE WHEN (__pgt_x1.c2_1 IS NOT NULL) THEN true WHEN (COALESCE(__pgt_x13.c4_1, 0) = 0) THEN false WHEN ((__pgt_s0.c0_1 IS NULL) OR (__pgt_x13.c4_2 > 0)) THEN NULL ELSE false END)
/*pgt:end*/
UNION ALL
/*pgt:term needs=*/
SELECT __pgt_s2.__pgt_sign AS __pgt_sign, __pgt_s0."note" AS c0_0, __pgt_s0."customer" AS c0_1, __pgt_s0."id" AS c0_2, __pgt_s2.c2_0 AS c2_0, __pgt_s2.c2_1 AS c2_1, __pgt_s4."o1" AS c4_0, __pgt_s4."o2" AS c4_1, __pgt_s4."o3" AS c4_2
  FROM pg_temp.__pgt_d2 AS __pgt_s2,
       "public"."orders" AS __pgt_s0,
       LATERAL (SELECT __pgt_s3."kind" AS o1, count(*) AS o2, count(*) FILTER (WHERE (__pgt_s3."n" IS NULL)) AS o3
  FROM "public"."events" AS __pgt_s3
  WHERE __pgt_s3."kind" = __pgt_s0."note"
  GROUP BY __pgt_s3."kind") AS __pgt_s4
  WHERE (SELECT true FROM pg_temp.__pgt_d2 LIMIT 1)
    AND ((__pgt_s2.c2_0 = __pgt_s0."note") AND (__pgt_s0."customer" = __pgt_s2.c2_1))
    AND (__pgt_s4."o1" = __pgt_s0."note")
    AND (NOT CASE WHEN (__pgt_s2.c2_1 IS NOT NULL) THEN true WHEN (COALESCE(__pgt_s4."o2", 0) = 0) THEN false WHEN ((__pgt_s0."customer" IS NULL) OR (__pgt_s4."o3" > 0)) THEN NULL ELSE false END)
/*pgt:end*/
UNION ALL
/*pgt:term needs=*/
SELECT (-(__pgt_s2.__pgt_sign * __pgt_x14.__pgt_sign)) AS __pgt_sign, __pgt_s0."note" AS c0_0, __pgt_s0."customer" AS c0_1, __pgt_s0."id" AS c0_2, __pgt_s2.c2_0 AS c2_0, __pgt_s2.c2_1 AS c2_1, __pgt_x14.c4_0 AS c4_0, __pgt_x14.c4_1 AS c4_1, __pgt_x14.c4_2 AS c4_2
  FROM pg_temp.__pgt_d2 AS __pgt_s2,
       "public"."orders" AS __pgt_s0,
       pg_temp.__pgt_d4 AS __pgt_x14
  WHERE (SELECT true FROM pg_temp.__pgt_d2 LIMIT 1)
    AND ((__pgt_s2.c2_0 = __pgt_s0."note") AND (__pgt_s0."customer" = __pgt_s2.c2_1))
    AND (SELECT true FROM pg_temp.__pgt_d4 LIMIT 1)
    AND (__pgt_x14.c4_0 = __pgt_s0."note")
    AND (NOT CASE WHEN (__pgt_s2.c2_1 IS NOT NULL) THEN true WHEN (COALESCE(__pgt_x14.c4_1, 0) = 0) THEN false WHEN ((__pgt_s0."customer" IS NULL) OR (__pgt_x14.c4_2 > 0)) THEN NULL ELSE false END)
/*pgt:end*/
UNION ALL
/*pgt:term needs=16384*/
SELECT __pgt_s0.__pgt_sign AS __pgt_sign, __pgt_s0.c0_0 AS c0_0, __pgt_s0.c0_1 AS c0_1, __pgt_s0.c0_2 AS c0_2, (CASE WHEN false THEN (SELECT x.c2_0 FROM pg_temp.__pgt_d2 AS x WHERE false) END) AS c2_0, (CASE WHEN false THEN (SELECT x.c2_1 FROM pg_temp.__pgt_d2 AS x WHERE false) END) AS c2_1, __pgt_s4."o1" AS c4_0, __pgt_s4."o2" AS c4_1, __pgt_s4."o3" AS c4_2
  FROM pg_temp.__pgt_d0 AS __pgt_s0,
       LATERAL (SELECT __pgt_s3."kind" AS o1, count(*) AS o2, count(*) FILTER (WHERE (__pgt_s3."n" IS NULL)) AS o3
  FROM "public"."events" AS __pgt_s3
  WHERE __pgt_s3."kind" = __pgt_s0.c0_0
  GROUP BY __pgt_s3."kind") AS __pgt_s4
  WHERE NOT EXISTS (SELECT 1 FROM LATERAL (SELECT __pgt_s1."kind" AS o1, __pgt_s1."n" AS o2
  FROM "public"."events" AS __pgt_s1
  WHERE __pgt_s1."kind" = __pgt_s0.c0_0
    AND __pgt_s1."n" = __pgt_s0.c0_1
  GROUP BY __pgt_s1."kind", __pgt_s1."n") AS __pgt_s2 WHERE ((__pgt_s2."o1" = __pgt_s0.c0_0) AND (__pgt_s0.c0_1 = __pgt_s2."o2")))
    AND (__pgt_s4."o1" = __pgt_s0.c0_0)
    AND (NOT CASE WHEN ((CASE WHEN false THEN (SELECT x.c2_1 FROM pg_temp.__pgt_d2 AS x WHERE false) END) IS NOT NULL) THEN true WHEN (COALESCE(__pgt_s4."o2", 0) = 0) THEN false WHEN ((__pgt_s0.c0_1 IS NULL) OR (__pgt_s4."o3" > 0)) THEN NULL ELSE false END)
/*pgt:end*/
UNION ALL
/*pgt:term needs=16384*/
SELECT (-(__pgt_s0.__pgt_sign * __pgt_x15.__pgt_sign)) AS __pgt_sign, __pgt_s0.c0_0 AS c0_0, __pgt_s0.c0_1 AS c0_1, __pgt_s0.c0_2 AS c0_2, (CASE WHEN false THEN (SELECT x.c2_0 FROM pg_temp.__pgt_d2 AS x WHERE false) END) AS c2_0, (CASE WHEN false THEN (SELECT x.c2_1 FROM pg_temp.__pgt_d2 AS x WHERE false) END) AS c2_1, __pgt_x15.c4_0 AS c4_0, __pgt_x15.c4_1 AS c4_1, __pgt_x15.c4_2 AS c4_2
  FROM pg_temp.__pgt_d0 AS __pgt_s0,
       pg_temp.__pgt_d4 AS __pgt_x15
  WHERE NOT EXISTS (SELECT 1 FROM LATERAL (SELECT __pgt_s1."kind" AS o1, __pgt_s1."n" AS o2
  FROM "public"."events" AS __pgt_s1
  WHERE __pgt_s1."kind" = __pgt_s0.c0_0
    AND __pgt_s1."n" = __pgt_s0.c0_1
  GROUP BY __pgt_s1."kind", __pgt_s1."n") AS __pgt_s2 WHERE ((__pgt_s2."o1" = __pgt_s0.c0_0) AND (__pgt_s0.c0_1 = __pgt_s2."o2")))
    AND (SELECT true FROM pg_temp.__pgt_d4 LIMIT 1)
    AND (__pgt_x15.c4_0 = __pgt_s0.c0_0)
    AND (NOT CASE WHEN ((CASE WHEN false THEN (SELECT x.c2_1 FROM pg_temp.__pgt_d2 AS x WHERE false) END) IS NOT NULL) THEN true WHEN (COALESCE(__pgt_x15.c4_1, 0) = 0) THEN false WHEN ((__pgt_s0.c0_1 IS NULL) OR (__pgt_x15.c4_2 > 0)) THEN NULL ELSE false END)
/*pgt:end*/
UNION ALL
/*pgt:term needs=*/
SELECT (CASE WHEN __pgt_x2.c1 = 0 THEN 1 ELSE -1 END) AS __pgt_sign, __pgt_s0."note" AS c0_0, __pgt_s0."customer" AS c0_1, __pgt_s0."id" AS c0_2, (CASE WHEN false THEN (SELECT x.c2_0 FROM pg_temp.__pgt_d2 AS x WHERE false) END) AS c2_0, (CASE WHEN false THEN (SELECT x.c2_1 FROM pg_temp.__pgt_d2 AS x WHERE false) END) AS c2_1, __pgt_s4."o1" AS c4_0, __pgt_s4."o2" AS c4_1, __pgt_s4."o3" AS c4_2
  FROM "public"."orders" AS __pgt_s0,
       LATERAL (SELECT count(*) AS c1 FROM LATERAL (SELECT __pgt_s1."kind" AS o1, __pgt_s1."n" AS o2
  FROM "public"."events" AS __pgt_s1
  WHERE __pgt_s1."kind" = __pgt_s0."note"
    AND __pgt_s1."n" = __pgt_s0."customer"
  GROUP BY __pgt_s1."kind", __pgt_s1."n") AS __pgt_s2 WHERE ((__pgt_s2."o1" = __pgt_s0."note") AND (__pgt_s0."customer" = __pgt_s2."o2"))) AS __pgt_x2,
       (SELECT __pgt_x6.c2_0 AS k0, __pgt_x6.c2_1 AS k1, sum(__pgt_x6.__pgt_sign) AS dc FROM pg_temp.__pgt_d2 AS __pgt_x6 GROUP BY 1, 2) AS __pgt_x3,
       LATERAL (SELECT __pgt_s3."kind" AS o1, count(*) AS o2, count(*) FILTER (WHERE (__pgt_s3."n" IS NULL)) AS o3
  FROM "public"."events" AS __pgt_s3
  WHERE __pgt_s3."kind" = __pgt_s0."note"
  GROUP BY __pgt_s3."kind") AS __pgt_s4
  WHERE __pgt_x3.k0 = __pgt_s0."note"
    AND __pgt_s0."customer" = __pgt_x3.k1
    AND ((__pgt_x2.c1 = 0) <> (__pgt_x2.c1 - __pgt_x3.dc = 0))
    AND (__pgt_s4."o1" = __pgt_s0."note")
    AND (NOT CASE WHEN ((CASE WHEN false THEN (SELECT x.c2_1 FROM pg_temp.__pgt_d2 AS x WHERE false) END) IS NOT NULL) THEN true WHEN (COALESCE(__pgt_s4."o2", 0) = 0) THEN false WHEN ((__pgt_s0."customer" IS NULL) OR (__pgt_s4."o3" > 0)) THEN NULL ELSE false END)
/*pgt:end*/
UNION ALL
/*pgt:term needs=*/
SELECT (-((CASE WHEN __pgt_x2.c1 = 0 THEN 1 ELSE -1 END) * __pgt_x16.__pgt_sign)) AS __pgt_sign, __pgt_s0."note" AS c0_0, __pgt_s0."customer" AS c0_1, __pgt_s0."id" AS c0_2, (CASE WHEN false THEN (SELECT x.c2_0 FROM pg_temp.__pgt_d2 AS x WHERE false) END) AS c2_0, (CASE WHEN false THEN (SELECT x.c2_1 FROM pg_temp.__pgt_d2 AS x WHERE false) END) AS c2_1, __pgt_x16.c4_0 AS c4_0, __pgt_x16.c4_1 AS c4_1, __pgt_x16.c4_2 AS c4_2
  FROM "public"."orders" AS __pgt_s0,
       LATERAL (SELECT count(*) AS c1 FROM LATERAL (SELECT __pgt_s1."kind" AS o1, __pgt_s1."n" AS o2
  FROM "public"."events" AS __pgt_s1
  WHERE __pgt_s1."kind" = __pgt_s0."note"
    AND __pgt_s1."n" = __pgt_s0."customer"
  GROUP BY __pgt_s1."kind", __pgt_s1."n") AS __pgt_s2 WHERE ((__pgt_s2."o1" = __pgt_s0."note") AND (__pgt_s0."customer" = __pgt_s2."o2"))) AS __pgt_x2,
       (SELECT __pgt_x6.c2_0 AS k0, __pgt_x6.c2_1 AS k1, sum(__pgt_x6.__pgt_sign) AS dc FROM pg_temp.__pgt_d2 AS __pgt_x6 GROUP BY 1, 2) AS __pgt_x3,
       pg_temp.__pgt_d4 AS __pgt_x16
  WHERE __pgt_x3.k0 = __pgt_s0."note"
    AND __pgt_s0."customer" = __pgt_x3.k1
    AND ((__pgt_x2.c1 = 0) <> (__pgt_x2.c1 - __pgt_x3.dc = 0))
    AND (SELECT true FROM pg_temp.__pgt_d4 LIMIT 1)
    AND (__pgt_x16.c4_0 = __pgt_s0."note")
    AND (NOT CASE WHEN ((CASE WHEN false THEN (SELECT x.c2_1 FROM pg_temp.__pgt_d2 AS x WHERE false) END) IS NOT NULL) THEN true WHEN (COALESCE(__pgt_x16.c4_1, 0) = 0) THEN false WHEN ((__pgt_s0."customer" IS NULL) OR (__pgt_x16.c4_2 > 0)) THEN NULL ELSE false END)
/*pgt:end*/
UNION ALL
/*pgt:term needs=16384*/
SELECT ((-__pgt_s0.__pgt_sign) * (CASE WHEN __pgt_x7.c1 = 0 THEN 1 ELSE -1 END)) AS __pgt_sign, __pgt_s0.c0_0 AS c0_0, __pgt_s0.c0_1 AS c0_1, __pgt_s0.c0_2 AS c0_2, (CASE WHEN false THEN (SELECT x.c2_0 FROM pg_temp.__pgt_d2 AS x WHERE false) END) AS c2_0, (CASE WHEN false THEN (SELECT x.c2_1 FROM pg_temp.__pgt_d2 AS x WHERE false) END) AS c2_1, __pgt_s4."o1" AS c4_0, __pgt_s4."o2" AS c4_1, __pgt_s4."o3" AS c4_2
  FROM pg_temp.__pgt_d0 AS __pgt_s0,
       LATERAL (SELECT count(*) AS c1 FROM LATERAL (SELECT __pgt_s1."kind" AS o1, __pgt_s1."n" AS o2
  FROM "public"."events" AS __pgt_s1
  WHERE __pgt_s1."kind" = __pgt_s0.c0_0
    AND __pgt_s1."n" = __pgt_s0.c0_1
  GROUP BY __pgt_s1."kind", __pgt_s1."n") AS __pgt_s2 WHERE ((__pgt_s2."o1" = __pgt_s0.c0_0) AND (__pgt_s0.c0_1 = __pgt_s2."o2"))) AS __pgt_x7,
       (SELECT __pgt_x11.c2_0 AS k0, __pgt_x11.c2_1 AS k1, sum(__pgt_x11.__pgt_sign) AS dc FROM pg_temp.__pgt_d2 AS __pgt_x11 GROUP BY 1, 2) AS __pgt_x8,
       LATERAL (SELECT __pgt_s3."kind" AS o1, count(*) AS o2, count(*) FILTER (WHERE (__pgt_s3."n" IS NULL)) AS o3
  FROM "public"."events" AS __pgt_s3
  WHERE __pgt_s3."kind" = __pgt_s0.c0_0
  GROUP BY __pgt_s3."kind") AS __pgt_s4
  WHERE __pgt_x8.k0 = __pgt_s0.c0_0
    AND __pgt_s0.c0_1 = __pgt_x8.k1
    AND ((__pgt_x7.c1 = 0) <> (__pgt_x7.c1 - __pgt_x8.dc = 0))
    AND (__pgt_s4."o1" = __pgt_s0.c0_0)
    AND (NOT CASE WHEN ((CASE WHEN false THEN (SELECT x.c2_1 FROM pg_temp.__pgt_d2 AS x WHERE false) END) IS NOT NULL) THEN true WHEN (COALESCE(__pgt_s4."o2", 0) = 0) THEN false WHEN ((__pgt_s0.c0_1 IS NULL) OR (__pgt_s4."o3" > 0)) THEN NULL ELSE false END)
/*pgt:end*/
UNION ALL
/*pgt:term needs=16384*/
SELECT (-(((-__pgt_s0.__pgt_sign) * (CASE WHEN __pgt_x7.c1 = 0 THEN 1 ELSE -1 END)) * __pgt_x17.__pgt_sign)) AS __pgt_sign, __pgt_s0.c0_0 AS c0_0, __pgt_s0.c0_1 AS c0_1, __pgt_s0.c0_2 AS c0_2, (CASE WHEN false THEN (SELECT x.c2_0 FROM pg_temp.__pgt_d2 AS x WHERE false) END) AS c2_0, (CASE WHEN false THEN (SELECT x.c2_1 FROM pg_temp.__pgt_d2 AS x WHERE false) END) AS c2_1, __pgt_x17.c4_0 AS c4_0, __pgt_x17.c4_1 AS c4_1, __pgt_x17.c4_2 AS c4_2
  FROM pg_temp.__pgt_d0 AS __pgt_s0,
       LATERAL (SELECT count(*) AS c1 FROM LATERAL (SELECT __pgt_s1."kind" AS o1, __pgt_s1."n" AS o2
  FROM "public"."events" AS __pgt_s1
  WHERE __pgt_s1."kind" = __pgt_s0.c0_0
    AND __pgt_s1."n" = __pgt_s0.c0_1
  GROUP BY __pgt_s1."kind", __pgt_s1."n") AS __pgt_s2 WHERE ((__pgt_s2."o1" = __pgt_s0.c0_0) AND (__pgt_s0.c0_1 = __pgt_s2."o2"))) AS __pgt_x7,
       (SELECT __pgt_x11.c2_0 AS k0, __pgt_x11.c2_1 AS k1, sum(__pgt_x11.__pgt_sign) AS dc FROM pg_temp.__pgt_d2 AS __pgt_x11 GROUP BY 1, 2) AS __pgt_x8,
       pg_temp.__pgt_d4 AS __pgt_x17
  WHERE __pgt_x8.k0 = __pgt_s0.c0_0
    AND __pgt_s0.c0_1 = __pgt_x8.k1
    AND ((__pgt_x7.c1 = 0) <> (__pgt_x7.c1 - __pgt_x8.dc = 0))
    AND (SELECT true FROM pg_temp.__pgt_d4 LIMIT 1)
    AND (__pgt_x17.c4_0 = __pgt_s0.c0_0)
    AND (NOT CASE WHEN ((CASE WHEN false THEN (SELECT x.c2_1 FROM pg_temp.__pgt_d2 AS x WHERE false) END) IS NOT NULL) THEN true WHEN (COALESCE(__pgt_x17.c4_1, 0) = 0) THEN false WHEN ((__pgt_s0.c0_1 IS NULL) OR (__pgt_x17.c4_2 > 0)) THEN NULL ELSE false END)
/*pgt:end*/
UNION ALL
/*pgt:term needs=*/
SELECT __pgt_s4.__pgt_sign AS __pgt_sign, __pgt_s0."note" AS c0_0, __pgt_s0."customer" AS c0_1, __pgt_s0."id" AS c0_2, __pgt_s2."o1" AS c2_0, __pgt_s2."o2" AS c2_1, __pgt_s4.c4_0 AS c4_0, __pgt_s4.c4_1 AS c4_1, __pgt_s4.c4_2 AS c4_2
  FROM pg_temp.__pgt_d4 AS __pgt_s4,
       ("public"."orders" AS __pgt_s0 LEFT JOIN LATERAL (SELECT __pgt_s1."kind" AS o1, __pgt_s1."n" AS o2
  FROM "public"."events" AS __pgt_s1
  WHERE __pgt_s1."kind" = __pgt_s0."note"
    AND __pgt_s1."n" = __pgt_s0."customer"
  GROUP BY __pgt_s1."kind", __pgt_s1."n") AS __pgt_s2 ON ((__pgt_s2."o1" = __pgt_s0."note") AND (__pgt_s0."customer" = __pgt_s2."o2")))
  WHERE (SELECT true FROM pg_temp.__pgt_d4 LIMIT 1)
    AND (__pgt_s4.c4_0 = __pgt_s0."note")
    AND (NOT CASE WHEN (__pgt_s2."o2" IS NOT NULL) THEN true WHEN (COALESCE(__pgt_s4.c4_1, 0) = 0) THEN false WHEN ((__pgt_s0."customer" IS NULL) OR (__pgt_s4.c4_2 > 0)) THEN NULL ELSE false END)
/*pgt:end*/
UNION ALL
/*pgt:term needs=16384*/
SELECT __pgt_s0.__pgt_sign AS __pgt_sign, __pgt_s0.c0_0 AS c0_0, __pgt_s0.c0_1 AS c0_1, __pgt_s0.c0_2 AS c0_2, __pgt_s2."o1" AS c2_0, __pgt_s2."o2" AS c2_1, (CASE WHEN false THEN (SELECT x.c4_0 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_0, (CASE WHEN false THEN (SELECT x.c4_1 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_1, (CASE WHEN false THEN (SELECT x.c4_2 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_2
  FROM pg_temp.__pgt_d0 AS __pgt_s0,
       LATERAL (SELECT __pgt_s1."kind" AS o1, __pgt_s1."n" AS o2
  FROM "public"."events" AS __pgt_s1
  WHERE __pgt_s1."kind" = __pgt_s0.c0_0
    AND __pgt_s1."n" = __pgt_s0.c0_1
  GROUP BY __pgt_s1."kind", __pgt_s1."n") AS __pgt_s2
  WHERE ((__pgt_s2."o1" = __pgt_s0.c0_0) AND (__pgt_s0.c0_1 = __pgt_s2."o2"))
    AND NOT EXISTS (SELECT 1 FROM LATERAL (SELECT __pgt_s3."kind" AS o1, count(*) AS o2, count(*) FILTER (WHERE (__pgt_s3."n" IS NULL)) AS o3
  FROM "public"."events" AS __pgt_s3
  WHERE __pgt_s3."kind" = __pgt_s0.c0_0
  GROUP BY __pgt_s3."kind") AS __pgt_s4 WHERE (__pgt_s4."o1" = __pgt_s0.c0_0))
    AND (NOT CASE WHEN (__pgt_s2."o2" IS NOT NULL) THEN true WHEN (COALESCE((CASE WHEN false THEN (SELECT x.c4_1 FROM pg_temp.__pgt_d4 AS x WHERE false) END), 0) = 0) THEN false WHEN ((__pgt_s0.c0_1 IS NULL) OR ((CASE WHEN false THEN (SELECT x.c4_2 FROM pg_temp.__pgt_d4 AS x WHERE false) END) > 0)) THEN NULL ELSE false END)
/*pgt:end*/
UNION ALL
/*pgt:term needs=16384*/
SELECT (-(__pgt_s0.__pgt_sign * __pgt_x18.__pgt_sign)) AS __pgt_sign, __pgt_s0.c0_0 AS c0_0, __pgt_s0.c0_1 AS c0_1, __pgt_s0.c0_2 AS c0_2, __pgt_x18.c2_0 AS c2_0, __pgt_x18.c2_1 AS c2_1, (CASE WHEN false THEN (SELECT x.c4_0 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_0, (CASE WHEN false THEN (SELECT x.c4_1 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_1, (CASE WHEN false THEN (SELECT x.c4_2 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_2
  FROM pg_temp.__pgt_d0 AS __pgt_s0,
       pg_temp.__pgt_d2 AS __pgt_x18
  WHERE (SELECT true FROM pg_temp.__pgt_d2 LIMIT 1)
    AND ((__pgt_x18.c2_0 = __pgt_s0.c0_0) AND (__pgt_s0.c0_1 = __pgt_x18.c2_1))
    AND NOT EXISTS (SELECT 1 FROM LATERAL (SELECT __pgt_s3."kind" AS o1, count(*) AS o2, count(*) FILTER (WHERE (__pgt_s3."n" IS NULL)) AS o3
  FROM "public"."events" AS __pgt_s3
  WHERE __pgt_s3."kind" = __pgt_s0.c0_0
  GROUP BY __pgt_s3."kind") AS __pgt_s4 WHERE (__pgt_s4."o1" = __pgt_s0.c0_0))
    AND (NOT CASE WHEN (__pgt_x18.c2_1 IS NOT NULL) THEN true WHEN (COALESCE((CASE WHEN false THEN (SELECT x.c4_1 FROM pg_temp.__pgt_d4 AS x WHERE false) END), 0) = 0) THEN false WHEN ((__pgt_s0.c0_1 IS NULL) OR ((CASE WHEN false THEN (SELECT x.c4_2 FROM pg_temp.__pgt_d4 AS x WHERE false) END) > 0)) THEN NULL ELSE false END)
/*pgt:end*/
UNION ALL
/*pgt:term needs=*/
SELECT __pgt_s2.__pgt_sign AS __pgt_sign, __pgt_s0."note" AS c0_0, __pgt_s0."customer" AS c0_1, __pgt_s0."id" AS c0_2, __pgt_s2.c2_0 AS c2_0, __pgt_s2.c2_1 AS c2_1, (CASE WHEN false THEN (SELECT x.c4_0 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_0, (CASE WHEN false THEN (SELECT x.c4_1 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_1, (CASE WHEN false THEN (SELECT x.c4_2 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_2
  FROM pg_temp.__pgt_d2 AS __pgt_s2,
       "public"."orders" AS __pgt_s0
  WHERE (SELECT true FROM pg_temp.__pgt_d2 LIMIT 1)
    AND ((__pgt_s2.c2_0 = __pgt_s0."note") AND (__pgt_s0."customer" = __pgt_s2.c2_1))
    AND NOT EXISTS (SELECT 1 FROM LATERAL (SELECT __pgt_s3."kind" AS o1, count(*) AS o2, count(*) FILTER (WHERE (__pgt_s3."n" IS NULL)) AS o3
  FROM "public"."events" AS __pgt_s3
  WHERE __pgt_s3."kind" = __pgt_s0."note"
  GROUP BY __pgt_s3."kind") AS __pgt_s4 WHERE (__pgt_s4."o1" = __pgt_s0."note"))
    AND (NOT CASE WHEN (__pgt_s2.c2_1 IS NOT NULL) THEN true WHEN (COALESCE((CASE WHEN false THEN (SELECT x.c4_1 FROM pg_temp.__pgt_d4 AS x WHERE false) END), 0) = 0) THEN false WHEN ((__pgt_s0."customer" IS NULL) OR ((CASE WHEN false THEN (SELECT x.c4_2 FROM pg_temp.__pgt_d4 AS x WHERE false) END) > 0)) THEN NULL ELSE false END)
/*pgt:end*/
UNION ALL
/*pgt:term needs=16384*/
SELECT __pgt_s0.__pgt_sign AS __pgt_sign, __pgt_s0.c0_0 AS c0_0, __pgt_s0.c0_1 AS c0_1, __pgt_s0.c0_2 AS c0_2, (CASE WHEN false THEN (SELECT x.c2_0 FROM pg_temp.__pgt_d2 AS x WHERE false) END) AS c2_0, (CASE WHEN false THEN (SELECT x.c2_1 FROM pg_temp.__pgt_d2 AS x WHERE false) END) AS c2_1, (CASE WHEN false THEN (SELECT x.c4_0 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_0, (CASE WHEN false THEN (SELECT x.c4_1 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_1, (CASE WHEN false THEN (SELECT x.c4_2 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_2
  FROM pg_temp.__pgt_d0 AS __pgt_s0
  WHERE NOT EXISTS (SELECT 1 FROM LATERAL (SELECT __pgt_s1."kind" AS o1, __pgt_s1."n" AS o2
  FROM "public"."events" AS __pgt_s1
  WHERE __pgt_s1."kind" = __pgt_s0.c0_0
    AND __pgt_s1."n" = __pgt_s0.c0_1
  GROUP BY __pgt_s1."kind", __pgt_s1."n") AS __pgt_s2 WHERE ((__pgt_s2."o1" = __pgt_s0.c0_0) AND (__pgt_s0.c0_1 = __pgt_s2."o2")))
    AND NOT EXISTS (SELECT 1 FROM LATERAL (SELECT __pgt_s3."kind" AS o1, count(*) AS o2, count(*) FILTER (WHERE (__pgt_s3."n" IS NULL)) AS o3
  FROM "public"."events" AS __pgt_s3
  WHERE __pgt_s3."kind" = __pgt_s0.c0_0
  GROUP BY __pgt_s3."kind") AS __pgt_s4 WHERE (__pgt_s4."o1" = __pgt_s0.c0_0))
    AND (NOT CASE WHEN ((CASE WHEN false THEN (SELECT x.c2_1 FROM pg_temp.__pgt_d2 AS x WHERE false) END) IS NOT NULL) THEN true WHEN (COALESCE((CASE WHEN false THEN (SELECT x.c4_1 FROM pg_temp.__pgt_d4 AS x WHERE false) END), 0) = 0) THEN false WHEN ((__pgt_s0.c0_1 IS NULL) OR ((CASE WHEN false THEN (SELECT x.c4_2 FROM pg_temp.__pgt_d4 AS x WHERE false) END) > 0)) THEN NULL ELSE false END)
/*pgt:end*/
UNION ALL
/*pgt:term needs=*/
SELECT (CASE WHEN __pgt_x19.c1 = 0 THEN 1 ELSE -1 END) AS __pgt_sign, __pgt_s0."note" AS c0_0, __pgt_s0."customer" AS c0_1, __pgt_s0."id" AS c0_2, (CASE WHEN false THEN (SELECT x.c2_0 FROM pg_temp.__pgt_d2 AS x WHERE false) END) AS c2_0, (CASE WHEN false THEN (SELECT x.c2_1 FROM pg_temp.__pgt_d2 AS x WHERE false) END) AS c2_1, (CASE WHEN false THEN (SELECT x.c4_0 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_0, (CASE WHEN false THEN (SELECT x.c4_1 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_1, (CASE WHEN false THEN (SELECT x.c4_2 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_2
  FROM "public"."orders" AS __pgt_s0,
       LATERAL (SELECT count(*) AS c1 FROM LATERAL (SELECT __pgt_s1."kind" AS o1, __pgt_s1."n" AS o2
  FROM "public"."events" AS __pgt_s1
  WHERE __pgt_s1."kind" = __pgt_s0."note"
    AND __pgt_s1."n" = __pgt_s0."customer"
  GROUP BY __pgt_s1."kind", __pgt_s1."n") AS __pgt_s2 WHERE ((__pgt_s2."o1" = __pgt_s0."note") AND (__pgt_s0."customer" = __pgt_s2."o2"))) AS __pgt_x19,
       (SELECT __pgt_x23.c2_0 AS k0, __pgt_x23.c2_1 AS k1, sum(__pgt_x23.__pgt_sign) AS dc FROM pg_temp.__pgt_d2 AS __pgt_x23 GROUP BY 1, 2) AS __pgt_x20
  WHERE __pgt_x20.k0 = __pgt_s0."note"
    AND __pgt_s0."customer" = __pgt_x20.k1
    AND ((__pgt_x19.c1 = 0) <> (__pgt_x19.c1 - __pgt_x20.dc = 0))
    AND NOT EXISTS (SELECT 1 FROM LATERAL (SELECT __pgt_s3."kind" AS o1, count(*) AS o2, count(*) FILTER (WHERE (__pgt_s3."n" IS NULL)) AS o3
  FROM "public"."events" AS __pgt_s3
  WHERE __pgt_s3."kind" = __pgt_s0."note"
  GROUP BY __pgt_s3."kind") AS __pgt_s4 WHERE (__pgt_s4."o1" = __pgt_s0."note"))
    AND (NOT CASE WHEN ((CASE WHEN false THEN (SELECT x.c2_1 FROM pg_temp.__pgt_d2 AS x WHERE false) END) IS NOT NULL) THEN true WHEN (COALESCE((CASE WHEN false THEN (SELECT x.c4_1 FROM pg_temp.__pgt_d4 AS x WHERE false) END), 0) = 0) THEN false WHEN ((__pgt_s0."customer" IS NULL) OR ((CASE WHEN false THEN (SELECT x.c4_2 FROM pg_temp.__pgt_d4 AS x WHERE false) END) > 0)) THEN NULL ELSE false END)
/*pgt:end*/
UNION ALL
/*pgt:term needs=16384*/
SELECT ((-__pgt_s0.__pgt_sign) * (CASE WHEN __pgt_x24.c1 = 0 THEN 1 ELSE -1 END)) AS __pgt_sign, __pgt_s0.c0_0 AS c0_0, __pgt_s0.c0_1 AS c0_1, __pgt_s0.c0_2 AS c0_2, (CASE WHEN false THEN (SELECT x.c2_0 FROM pg_temp.__pgt_d2 AS x WHERE false) END) AS c2_0, (CASE WHEN false THEN (SELECT x.c2_1 FROM pg_temp.__pgt_d2 AS x WHERE false) END) AS c2_1, (CASE WHEN false THEN (SELECT x.c4_0 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_0, (CASE WHEN false THEN (SELECT x.c4_1 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_1, (CASE WHEN false THEN (SELECT x.c4_2 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_2
  FROM pg_temp.__pgt_d0 AS __pgt_s0,
       LATERAL (SELECT count(*) AS c1 FROM LATERAL (SELECT __pgt_s1."kind" AS o1, __pgt_s1."n" AS o2
  FROM "public"."events" AS __pgt_s1
  WHERE __pgt_s1."kind" = __pgt_s0.c0_0
    AND __pgt_s1."n" = __pgt_s0.c0_1
  GROUP BY __pgt_s1."kind", __pgt_s1."n") AS __pgt_s2 WHERE ((__pgt_s2."o1" = __pgt_s0.c0_0) AND (__pgt_s0.c0_1 = __pgt_s2."o2"))) AS __pgt_x24,
       (SELECT __pgt_x28.c2_0 AS k0, __pgt_x28.c2_1 AS k1, sum(__pgt_x28.__pgt_sign) AS dc FROM pg_temp.__pgt_d2 AS __pgt_x28 GROUP BY 1, 2) AS __pgt_x25
  WHERE __pgt_x25.k0 = __pgt_s0.c0_0
    AND __pgt_s0.c0_1 = __pgt_x25.k1
    AND ((__pgt_x24.c1 = 0) <> (__pgt_x24.c1 - __pgt_x25.dc = 0))
    AND NOT EXISTS (SELECT 1 FROM LATERAL (SELECT __pgt_s3."kind" AS o1, count(*) AS o2, count(*) FILTER (WHERE (__pgt_s3."n" IS NULL)) AS o3
  FROM "public"."events" AS __pgt_s3
  WHERE __pgt_s3."kind" = __pgt_s0.c0_0
  GROUP BY __pgt_s3."kind") AS __pgt_s4 WHERE (__pgt_s4."o1" = __pgt_s0.c0_0))
    AND (NOT CASE WHEN ((CASE WHEN false THEN (SELECT x.c2_1 FROM pg_temp.__pgt_d2 AS x WHERE false) END) IS NOT NULL) THEN true WHEN (COALESCE((CASE WHEN false THEN (SELECT x.c4_1 FROM pg_temp.__pgt_d4 AS x WHERE false) END), 0) = 0) THEN false WHEN ((__pgt_s0.c0_1 IS NULL) OR ((CASE WHEN false THEN (SELECT x.c4_2 FROM pg_temp.__pgt_d4 AS x WHERE false) END) > 0)) THEN NULL ELSE false END)
/*pgt:end*/
UNION ALL
/*pgt:term needs=*/
SELECT (CASE WHEN __pgt_x29.c1 = 0 THEN 1 ELSE -1 END) AS __pgt_sign, __pgt_s0."note" AS c0_0, __pgt_s0."customer" AS c0_1, __pgt_s0."id" AS c0_2, __pgt_s2."o1" AS c2_0, __pgt_s2."o2" AS c2_1, (CASE WHEN false THEN (SELECT x.c4_0 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_0, (CASE WHEN false THEN (SELECT x.c4_1 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_1, (CASE WHEN false THEN (SELECT x.c4_2 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_2
  FROM ("public"."orders" AS __pgt_s0 LEFT JOIN LATERAL (SELECT __pgt_s1."kind" AS o1, __pgt_s1."n" AS o2
  FROM "public"."events" AS __pgt_s1
  WHERE __pgt_s1."kind" = __pgt_s0."note"
    AND __pgt_s1."n" = __pgt_s0."customer"
  GROUP BY __pgt_s1."kind", __pgt_s1."n") AS __pgt_s2 ON ((__pgt_s2."o1" = __pgt_s0."note") AND (__pgt_s0."customer" = __pgt_s2."o2"))),
       LATERAL (SELECT count(*) AS c1 FROM LATERAL (SELECT __pgt_s3."kind" AS o1, count(*) AS o2, count(*) FILTER (WHERE (__pgt_s3."n" IS NULL)) AS o3
  FROM "public"."events" AS __pgt_s3
  WHERE __pgt_s3."kind" = __pgt_s0."note"
  GROUP BY __pgt_s3."kind") AS __pgt_s4 WHERE (__pgt_s4."o1" = __pgt_s0."note")) AS __pgt_x29,
       (SELECT __pgt_x33.c4_0 AS k0, sum(__pgt_x33.__pgt_sign) AS dc FROM pg_temp.__pgt_d4 AS __pgt_x33 GROUP BY 1) AS __pgt_x30
  WHERE __pgt_x30.k0 = __pgt_s0."note"
    AND ((__pgt_x29.c1 = 0) <> (__pgt_x29.c1 - __pgt_x30.dc = 0))
    AND (NOT CASE WHEN (__pgt_s2."o2" IS NOT NULL) THEN true WHEN (COALESCE((CASE WHEN false THEN (SELECT x.c4_1 FROM pg_temp.__pgt_d4 AS x WHERE false) END), 0) = 0) THEN false WHEN ((__pgt_s0."customer" IS NULL) OR ((CASE WHEN false THEN (SELECT x.c4_2 FROM pg_temp.__pgt_d4 AS x WHERE false) END) > 0)) THEN NULL ELSE false END)
/*pgt:end*/
UNION ALL
/*pgt:term needs=16384*/
SELECT ((-__pgt_s0.__pgt_sign) * (CASE WHEN __pgt_x34.c1 = 0 THEN 1 ELSE -1 END)) AS __pgt_sign, __pgt_s0.c0_0 AS c0_0, __pgt_s0.c0_1 AS c0_1, __pgt_s0.c0_2 AS c0_2, __pgt_s2."o1" AS c2_0, __pgt_s2."o2" AS c2_1, (CASE WHEN false THEN (SELECT x.c4_0 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_0, (CASE WHEN false THEN (SELECT x.c4_1 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_1, (CASE WHEN false THEN (SELECT x.c4_2 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_2
  FROM pg_temp.__pgt_d0 AS __pgt_s0,
       LATERAL (SELECT __pgt_s1."kind" AS o1, __pgt_s1."n" AS o2
  FROM "public"."events" AS __pgt_s1
  WHERE __pgt_s1."kind" = __pgt_s0.c0_0
    AND __pgt_s1."n" = __pgt_s0.c0_1
  GROUP BY __pgt_s1."kind", __pgt_s1."n") AS __pgt_s2,
       LATERAL (SELECT count(*) AS c1 FROM LATERAL (SELECT __pgt_s3."kind" AS o1, count(*) AS o2, count(*) FILTER (WHERE (__pgt_s3."n" IS NULL)) AS o3
  FROM "public"."events" AS __pgt_s3
  WHERE __pgt_s3."kind" = __pgt_s0.c0_0
  GROUP BY __pgt_s3."kind") AS __pgt_s4 WHERE (__pgt_s4."o1" = __pgt_s0.c0_0)) AS __pgt_x34,
       (SELECT __pgt_x38.c4_0 AS k0, sum(__pgt_x38.__pgt_sign) AS dc FROM pg_temp.__pgt_d4 AS __pgt_x38 GROUP BY 1) AS __pgt_x35
  WHERE ((__pgt_s2."o1" = __pgt_s0.c0_0) AND (__pgt_s0.c0_1 = __pgt_s2."o2"))
    AND __pgt_x35.k0 = __pgt_s0.c0_0
    AND ((__pgt_x34.c1 = 0) <> (__pgt_x34.c1 - __pgt_x35.dc = 0))
    AND (NOT CASE WHEN (__pgt_s2."o2" IS NOT NULL) THEN true WHEN (COALESCE((CASE WHEN false THEN (SELECT x.c4_1 FROM pg_temp.__pgt_d4 AS x WHERE false) END), 0) = 0) THEN false WHEN ((__pgt_s0.c0_1 IS NULL) OR ((CASE WHEN false THEN (SELECT x.c4_2 FROM pg_temp.__pgt_d4 AS x WHERE false) END) > 0)) THEN NULL ELSE false END)
/*pgt:end*/
UNION ALL
/*pgt:term needs=16384*/
SELECT ((-(-(__pgt_s0.__pgt_sign * __pgt_x18.__pgt_sign))) * (CASE WHEN __pgt_x39.c1 = 0 THEN 1 ELSE -1 END)) AS __pgt_sign, __pgt_s0.c0_0 AS c0_0, __pgt_s0.c0_1 AS c0_1, __pgt_s0.c0_2 AS c0_2, __pgt_x18.c2_0 AS c2_0, __pgt_x18.c2_1 AS c2_1, (CASE WHEN false THEN (SELECT x.c4_0 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_0, (CASE WHEN false THEN (SELECT x.c4_1 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_1, (CASE WHEN false THEN (SELECT x.c4_2 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_2
  FROM pg_temp.__pgt_d0 AS __pgt_s0,
       pg_temp.__pgt_d2 AS __pgt_x18,
       LATERAL (SELECT count(*) AS c1 FROM LATERAL (SELECT __pgt_s3."kind" AS o1, count(*) AS o2, count(*) FILTER (WHERE (__pgt_s3."n" IS NULL)) AS o3
  FROM "public"."events" AS __pgt_s3
  WHERE __pgt_s3."kind" = __pgt_s0.c0_0
  GROUP BY __pgt_s3."kind") AS __pgt_s4 WHERE (__pgt_s4."o1" = __pgt_s0.c0_0)) AS __pgt_x39,
       (SELECT __pgt_x43.c4_0 AS k0, sum(__pgt_x43.__pgt_sign) AS dc FROM pg_temp.__pgt_d4 AS __pgt_x43 GROUP BY 1) AS __pgt_x40
  WHERE (SELECT true FROM pg_temp.__pgt_d2 LIMIT 1)
    AND ((__pgt_x18.c2_0 = __pgt_s0.c0_0) AND (__pgt_s0.c0_1 = __pgt_x18.c2_1))
    AND __pgt_x40.k0 = __pgt_s0.c0_0
    AND ((__pgt_x39.c1 = 0) <> (__pgt_x39.c1 - __pgt_x40.dc = 0))
    AND (NOT CASE WHEN (__pgt_x18.c2_1 IS NOT NULL) THEN true WHEN (COALESCE((CASE WHEN false THEN (SELECT x.c4_1 FROM pg_temp.__pgt_d4 AS x WHERE false) END), 0) = 0) THEN false WHEN ((__pgt_s0.c0_1 IS NULL) OR ((CASE WHEN false THEN (SELECT x.c4_2 FROM pg_temp.__pgt_d4 AS x WHERE false) END) > 0)) THEN NULL ELSE false END)
/*pgt:end*/
UNION ALL
/*pgt:term needs=*/
SELECT ((-__pgt_s2.__pgt_sign) * (CASE WHEN __pgt_x44.c1 = 0 THEN 1 ELSE -1 END)) AS __pgt_sign, __pgt_s0."note" AS c0_0, __pgt_s0."customer" AS c0_1, __pgt_s0."id" AS c0_2, __pgt_s2.c2_0 AS c2_0, __pgt_s2.c2_1 AS c2_1, (CASE WHEN false THEN (SELECT x.c4_0 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_0, (CASE WHEN false THEN (SELECT x.c4_1 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_1, (CASE WHEN false THEN (SELECT x.c4_2 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_2
  FROM pg_temp.__pgt_d2 AS __pgt_s2,
       "public"."orders" AS __pgt_s0,
       LATERAL (SELECT count(*) AS c1 FROM LATERAL (SELECT __pgt_s3."kind" AS o1, count(*) AS o2, count(*) FILTER (WHERE (__pgt_s3."n" IS NULL)) AS o3
  FROM "public"."events" AS __pgt_s3
  WHERE __pgt_s3."kind" = __pgt_s0."note"
  GROUP BY __pgt_s3."kind") AS __pgt_s4 WHERE (__pgt_s4."o1" = __pgt_s0."note")) AS __pgt_x44,
       (SELECT __pgt_x48.c4_0 AS k0, sum(__pgt_x48.__pgt_sign) AS dc FROM pg_temp.__pgt_d4 AS __pgt_x48 GROUP BY 1) AS __pgt_x45
  WHERE (SELECT true FROM pg_temp.__pgt_d2 LIMIT 1)
    AND ((__pgt_s2.c2_0 = __pgt_s0."note") AND (__pgt_s0."customer" = __pgt_s2.c2_1))
    AND __pgt_x45.k0 = __pgt_s0."note"
    AND ((__pgt_x44.c1 = 0) <> (__pgt_x44.c1 - __pgt_x45.dc = 0))
    AND (NOT CASE WHEN (__pgt_s2.c2_1 IS NOT NULL) THEN true WHEN (COALESCE((CASE WHEN false THEN (SELECT x.c4_1 FROM pg_temp.__pgt_d4 AS x WHERE false) END), 0) = 0) THEN false WHEN ((__pgt_s0."customer" IS NULL) OR ((CASE WHEN false THEN (SELECT x.c4_2 FROM pg_temp.__pgt_d4 AS x WHERE false) END) > 0)) THEN NULL ELSE false END)
/*pgt:end*/
UNION ALL
/*pgt:term needs=16384*/
SELECT ((-__pgt_s0.__pgt_sign) * (CASE WHEN __pgt_x49.c1 = 0 THEN 1 ELSE -1 END)) AS __pgt_sign, __pgt_s0.c0_0 AS c0_0, __pgt_s0.c0_1 AS c0_1, __pgt_s0.c0_2 AS c0_2, (CASE WHEN false THEN (SELECT x.c2_0 FROM pg_temp.__pgt_d2 AS x WHERE false) END) AS c2_0, (CASE WHEN false THEN (SELECT x.c2_1 FROM pg_temp.__pgt_d2 AS x WHERE false) END) AS c2_1, (CASE WHEN false THEN (SELECT x.c4_0 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_0, (CASE WHEN false THEN (SELECT x.c4_1 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_1, (CASE WHEN false THEN (SELECT x.c4_2 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_2
  FROM pg_temp.__pgt_d0 AS __pgt_s0,
       LATERAL (SELECT count(*) AS c1 FROM LATERAL (SELECT __pgt_s3."kind" AS o1, count(*) AS o2, count(*) FILTER (WHERE (__pgt_s3."n" IS NULL)) AS o3
  FROM "public"."events" AS __pgt_s3
  WHERE __pgt_s3."kind" = __pgt_s0.c0_0
  GROUP BY __pgt_s3."kind") AS __pgt_s4 WHERE (__pgt_s4."o1" = __pgt_s0.c0_0)) AS __pgt_x49,
       (SELECT __pgt_x53.c4_0 AS k0, sum(__pgt_x53.__pgt_sign) AS dc FROM pg_temp.__pgt_d4 AS __pgt_x53 GROUP BY 1) AS __pgt_x50
  WHERE NOT EXISTS (SELECT 1 FROM LATERAL (SELECT __pgt_s1."kind" AS o1, __pgt_s1."n" AS o2
  FROM "public"."events" AS __pgt_s1
  WHERE __pgt_s1."kind" = __pgt_s0.c0_0
    AND __pgt_s1."n" = __pgt_s0.c0_1
  GROUP BY __pgt_s1."kind", __pgt_s1."n") AS __pgt_s2 WHERE ((__pgt_s2."o1" = __pgt_s0.c0_0) AND (__pgt_s0.c0_1 = __pgt_s2."o2")))
    AND __pgt_x50.k0 = __pgt_s0.c0_0
    AND ((__pgt_x49.c1 = 0) <> (__pgt_x49.c1 - __pgt_x50.dc = 0))
    AND (NOT CASE WHEN ((CASE WHEN false THEN (SELECT x.c2_1 FROM pg_temp.__pgt_d2 AS x WHERE false) END) IS NOT NULL) THEN true WHEN (COALESCE((CASE WHEN false THEN (SELECT x.c4_1 FROM pg_temp.__pgt_d4 AS x WHERE false) END), 0) = 0) THEN false WHEN ((__pgt_s0.c0_1 IS NULL) OR ((CASE WHEN false THEN (SELECT x.c4_2 FROM pg_temp.__pgt_d4 AS x WHERE false) END) > 0)) THEN NULL ELSE false END)
/*pgt:end*/
UNION ALL
/*pgt:term needs=*/
SELECT ((-(CASE WHEN __pgt_x19.c1 = 0 THEN 1 ELSE -1 END)) * (CASE WHEN __pgt_x54.c1 = 0 THEN 1 ELSE -1 END)) AS __pgt_sign, __pgt_s0."note" AS c0_0, __pgt_s0."customer" AS c0_1, __pgt_s0."id" AS c0_2, (CASE WHEN false THEN (SELECT x.c2_0 FROM pg_temp.__pgt_d2 AS x WHERE false) END) AS c2_0, (CASE WHEN false THEN (SELECT x.c2_1 FROM pg_temp.__pgt_d2 AS x WHERE false) END) AS c2_1, (CASE WHEN false THEN (SELECT x.c4_0 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_0, (CASE WHEN false THEN (SELECT x.c4_1 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_1, (CASE WHEN false THEN (SELECT x.c4_2 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_2
  FROM "public"."orders" AS __pgt_s0,
       LATERAL (SELECT count(*) AS c1 FROM LATERAL (SELECT __pgt_s1."kind" AS o1, __pgt_s1."n" AS o2
  FROM "public"."events" AS __pgt_s1
  WHERE __pgt_s1."kind" = __pgt_s0."note"
    AND __pgt_s1."n" = __pgt_s0."customer"
  GROUP BY __pgt_s1."kind", __pgt_s1."n") AS __pgt_s2 WHERE ((__pgt_s2."o1" = __pgt_s0."note") AND (__pgt_s0."customer" = __pgt_s2."o2"))) AS __pgt_x19,
       (SELECT __pgt_x23.c2_0 AS k0, __pgt_x23.c2_1 AS k1, sum(__pgt_x23.__pgt_sign) AS dc FROM pg_temp.__pgt_d2 AS __pgt_x23 GROUP BY 1, 2) AS __pgt_x20,
       LATERAL (SELECT count(*) AS c1 FROM LATERAL (SELECT __pgt_s3."kind" AS o1, count(*) AS o2, count(*) FILTER (WHERE (__pgt_s3."n" IS NULL)) AS o3
  FROM "public"."events" AS __pgt_s3
  WHERE __pgt_s3."kind" = __pgt_s0."note"
  GROUP BY __pgt_s3."kind") AS __pgt_s4 WHERE (__pgt_s4."o1" = __pgt_s0."note")) AS __pgt_x54,
       (SELECT __pgt_x58.c4_0 AS k0, sum(__pgt_x58.__pgt_sign) AS dc FROM pg_temp.__pgt_d4 AS __pgt_x58 GROUP BY 1) AS __pgt_x55
  WHERE __pgt_x20.k0 = __pgt_s0."note"
    AND __pgt_s0."customer" = __pgt_x20.k1
    AND ((__pgt_x19.c1 = 0) <> (__pgt_x19.c1 - __pgt_x20.dc = 0))
    AND __pgt_x55.k0 = __pgt_s0."note"
    AND ((__pgt_x54.c1 = 0) <> (__pgt_x54.c1 - __pgt_x55.dc = 0))
    AND (NOT CASE WHEN ((CASE WHEN false THEN (SELECT x.c2_1 FROM pg_temp.__pgt_d2 AS x WHERE false) END) IS NOT NULL) THEN true WHEN (COALESCE((CASE WHEN false THEN (SELECT x.c4_1 FROM pg_temp.__pgt_d4 AS x WHERE false) END), 0) = 0) THEN false WHEN ((__pgt_s0."customer" IS NULL) OR ((CASE WHEN false THEN (SELECT x.c4_2 FROM pg_temp.__pgt_d4 AS x WHERE false) END) > 0)) THEN NULL ELSE false END)
/*pgt:end*/
UNION ALL
/*pgt:term needs=16384*/
SELECT ((-((-__pgt_s0.__pgt_sign) * (CASE WHEN __pgt_x24.c1 = 0 THEN 1 ELSE -1 END))) * (CASE WHEN __pgt_x59.c1 = 0 THEN 1 ELSE -1 END)) AS __pgt_sign, __pgt_s0.c0_0 AS c0_0, __pgt_s0.c0_1 AS c0_1, __pgt_s0.c0_2 AS c0_2, (CASE WHEN false THEN (SELECT x.c2_0 FROM pg_temp.__pgt_d2 AS x WHERE false) END) AS c2_0, (CASE WHEN false THEN (SELECT x.c2_1 FROM pg_temp.__pgt_d2 AS x WHERE false) END) AS c2_1, (CASE WHEN false THEN (SELECT x.c4_0 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_0, (CASE WHEN false THEN (SELECT x.c4_1 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_1, (CASE WHEN false THEN (SELECT x.c4_2 FROM pg_temp.__pgt_d4 AS x WHERE false) END) AS c4_2
  FROM pg_temp.__pgt_d0 AS __pgt_s0,
       LATERAL (SELECT count(*) AS c1 FROM LATERAL (SELECT __pgt_s1."kind" AS o1, __pgt_s1."n" AS o2
  FROM "public"."events" AS __pgt_s1
  WHERE __pgt_s1."kind" = __pgt_s0.c0_0
    AND __pgt_s1."n" = __pgt_s0.c0_1
  GROUP BY __pgt_s1."kind", __pgt_s1."n") AS __pgt_s2 WHERE ((__pgt_s2."o1" = __pgt_s0.c0_0) AND (__pgt_s0.c0_1 = __pgt_s2."o2"))) AS __pgt_x24,
       (SELECT __pgt_x28.c2_0 AS k0, __pgt_x28.c2_1 AS k1, sum(__pgt_x28.__pgt_sign) AS dc FROM pg_temp.__pgt_d2 AS __pgt_x28 GROUP BY 1, 2) AS __pgt_x25,
       LATERAL (SELECT count(*) AS c1 FROM LATERAL (SELECT __pgt_s3."kind" AS o1, count(*) AS o2, count(*) FILTER (WHERE (__pgt_s3."n" IS NULL)) AS o3
  FROM "public"."events" AS __pgt_s3
  WHERE __pgt_s3."kind" = __pgt_s0.c0_0
  GROUP BY __pgt_s3."kind") AS __pgt_s4 WHERE (__pgt_s4."o1" = __pgt_s0.c0_0)) AS __pgt_x59,
       (SELECT __pgt_x63.c4_0 AS k0, sum(__pgt_x63.__pgt_sign) AS dc FROM pg_temp.__pgt_d4 AS __pgt_x63 GROUP BY 1) AS __pgt_x60
  WHERE __pgt_x25.k0 = __pgt_s0.c0_0
    AND __pgt_s0.c0_1 = __pgt_x25.k1
    AND ((__pgt_x24.c1 = 0) <> (__pgt_x24.c1 - __pgt_x25.dc = 0))
    AND __pgt_x60.k0 = __pgt_s0.c0_0
    AND ((__pgt_x59.c1 = 0) <> (__pgt_x59.c1 - __pgt_x60.dc = 0))
    AND (NOT CASE WHEN ((CASE WHEN false THEN (SELECT x.c2_1 FROM pg_temp.__pgt_d2 AS x WHERE false) END) IS NOT NULL) THEN true WHEN (COALESCE((CASE WHEN false THEN (SELECT x.c4_1 FROM pg_temp.__pgt_d4 AS x WHERE false) END), 0) = 0) THEN false WHEN ((__pgt_s0.c0_1 IS NULL) OR ((CASE WHEN false THEN (SELECT x.c4_2 FROM pg_temp.__pgt_d4 AS x WHERE false) END) > 0)) THEN NULL ELSE false END)
/*pgt:end*/
),
__pgt_d AS MATERIALIZED (
  SELECT q.*, hash_record_extended(ROW(q."id"), 0) AS __pgt_row_id
  FROM (SELECT w.c0_2 AS "id", sum(w.__pgt_sign) AS __pgt_count
        FROM __pgt_w AS w
        GROUP BY 1
        HAVING sum(w.__pgt_sign) <> 0) AS q
),
__pgt_del AS (
  DELETE FROM "public"."new_st" AS st
  USING (SELECT x.tid FROM (SELECT * FROM __pgt_d WHERE __pgt_count < 0) AS n
         CROSS JOIN LATERAL (SELECT s2.ctid AS tid FROM "public"."new_st" AS s2
                             WHERE s2.__pgt_row_id = n.__pgt_row_id AND s2."id" IS NOT DISTINCT FROM n."id"
                             LIMIT -n.__pgt_count) AS x) AS z
  WHERE st.ctid = z.tid
  RETURNING 1
),
__pgt_ins AS (
  INSERT INTO "public"."new_st" ("id", __pgt_row_id)
  SELECT d."id", d.__pgt_row_id
  FROM __pgt_d AS d CROSS JOIN LATERAL generate_series(1, d.__pgt_count)
  WHERE d.__pgt_count > 0
  RETURNING 1
)
SELECT (SELECT count(*) FROM __pgt_ins), (SELECT count(*) FROM __pgt_del);

-- program.differential 12 (counting none)
DROP TABLE pg_temp.__pgt_d0, pg_temp.__pgt_d1, pg_temp.__pgt_d2, pg_temp.__pgt_d3, pg_temp.__pgt_d4;
