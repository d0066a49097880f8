-- SELECT count(*) AS n, sum(amount) AS total FROM orders WHERE amount > 100
-- refreshMode DIFFERENTIAL; operatorTree Aggregate(Filter(Scan(public.orders)))

-- statement 1 (counting none)
CREATE TABLE "public"."new_st" AS
SELECT "count"(*) AS "n",
       "sum"(__pgt_s0."amount") AS "total",
       count(*) AS "__pgt_count",
       sum(__pgt_s0."amount") AS "__pgt_aux_sum_1",
       count(__pgt_s0."amount") AS "__pgt_aux_nn_1",
       0::bigint AS __pgt_row_id
  FROM "public"."orders" AS __pgt_s0
  WHERE (__pgt_s0."amount" > 100)
WITH NO DATA;

-- statement 2 (counting none)
CREATE INDEX "new_st___pgt_row_id_idx" ON "public"."new_st" (__pgt_row_id);

-- statement 3 (counting none)
CREATE TABLE pgtrickle_changes."changes_16384" (
  __pgt_seq bigint NOT NULL DEFAULT nextval('pgtrickle_changes.change_seq'),
  __pgt_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  __pgt_action "char" NOT NULL,
  "amount" numeric,
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
    INSERT INTO pgtrickle_changes."changes_16384" (__pgt_action, "amount", "id") SELECT 'I', "amount", "id" FROM __pgt_new;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO pgtrickle_changes."changes_16384" (__pgt_action, "amount", "id") SELECT 'D', "amount", "id" FROM __pgt_old;
    INSERT INTO pgtrickle_changes."changes_16384" (__pgt_action, "amount", "id") SELECT 'I', "amount", "id" FROM __pgt_new;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO pgtrickle_changes."changes_16384" (__pgt_action, "amount", "id") SELECT 'D', "amount", "id" FROM __pgt_old;
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
CREATE TRIGGER pgtrickle_guard BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "public"."new_st" FOR EACH STATEMENT EXECUTE FUNCTION pgtrickle._guard_stream_table();

-- statement 12 (counting none)
COMMENT ON TABLE "public"."new_st" IS 'pg_trickle stream table';

-- statement 13 (counting none)
INSERT INTO pgtrickle.pgt_stream_tables (pgt_relid, pgt_name, pgt_schema, defining_query, original_query,
  schedule, refresh_mode, requested_mode, effective_refresh_mode, downgrade_reason, database_identity, refresh_program)
VALUES ('"public"."new_st"'::regclass, 'new_st', 'public', 'SELECT count(*) AS n, sum(amount) AS total FROM orders WHERE amount > 100', 'SELECT count(*) AS n, sum(amount) AS total FROM orders WHERE amount > 100',
  NULL, 'DIFFERENTIAL', 'AUTO', 'DIFFERENTIAL', NULL, pgtrickle._database_identity(), '<the program below>'::jsonb);

-- statement 14 (counting none)
INSERT INTO pgtrickle.pgt_dependencies (pgt_id, source_relid, source_type, columns_used, cdc_mode)
SELECT pgt_id, 16384, 'TABLE', ARRAY['amount', 'id']::text[], 'trigger'
FROM pgtrickle.pgt_stream_tables WHERE pgt_relid = '"public"."new_st"'::regclass;

-- program.probe
SELECT sum(p.truncates)::bigint AS truncates, sum(p.changes)::bigint AS changes, sum(p.source_rows)::bigint AS source_rows,
  string_agg(p.oid || ':' || p.changes, ',') AS per_source
FROM (SELECT count(*) FILTER (WHERE b.__pgt_action = 'T') AS truncates, count(*) AS changes,
  (SELECT GREATEST(c.reltuples, 0)::bigint FROM pg_class c WHERE c.oid = 16384) AS source_rows, '16384' AS oid
FROM pgtrickle_changes."changes_16384" AS b
WHERE b.__pgt_xid >= $2::xid8
  AND NOT (CASE WHEN b.__pgt_xid = $3::xid8 THEN b.__pgt_seq <= $4::bigint
           ELSE pg_visible_in_snapshot(b.__pgt_xid, $1::pg_snapshot) END)) AS p;

-- program.full 1 (counting none)
TRUNCATE "public"."new_st";

-- program.full 2 (counting none)
DROP INDEX IF EXISTS "public"."new_st___pgt_row_id_idx";

-- program.full 3 (counting inserted)
INSERT INTO "public"."new_st" ("n", "total", "__pgt_count", "__pgt_aux_sum_1", "__pgt_aux_nn_1", "__pgt_row_id")
SELECT "count"(*) AS "n",
       "sum"(__pgt_s0."amount") AS "total",
       count(*) AS "__pgt_count",
       sum(__pgt_s0."amount") AS "__pgt_aux_sum_1",
       count(__pgt_s0."amount") AS "__pgt_aux_nn_1",
       0::bigint AS __pgt_row_id
  FROM "public"."orders" AS __pgt_s0
  WHERE (__pgt_s0."amount" > 100);

-- program.full 4 (counting none)
CREATE INDEX "new_st___pgt_row_id_idx" ON "public"."new_st" (__pgt_row_id);

-- program.differential 1 (counting returned)
WITH __pgt_d0 AS (
SELECT b.__pgt_seq, CASE WHEN b.__pgt_action = 'I' THEN 1 ELSE -1 END AS __pgt_sign, b."amount" AS c0_0, b."id" AS c0_1
  FROM pgtrickle_changes."changes_16384" AS b
  WHERE b.__pgt_xid >= $2::xid8
  AND NOT (CASE WHEN b.__pgt_xid = $3::xid8 THEN b.__pgt_seq <= $4::bigint
           ELSE pg_visible_in_snapshot(b.__pgt_xid, $1::pg_snapshot) END)
    AND b.__pgt_action <> 'T'
),
__pgt_w AS (
/*pgt:term needs=16384*/
SELECT __pgt_s0.__pgt_sign AS __pgt_sign, __pgt_s0.c0_0 AS c0_0, __pgt_s0.c0_1 AS c0_1
  FROM __pgt_d0 AS __pgt_s0
  WHERE (__pgt_s0.c0_0 > 100)
/*pgt:end*/
),
__pgt_d AS (
  SELECT q.*, 0::bigint AS __pgt_row_id
  FROM (SELECT sum(w.__pgt_sign) AS __pgt_count,
               CASE WHEN sum(w.c0_0) FILTER (WHERE w.__pgt_sign < 0) IS NULL THEN sum(w.c0_0) FILTER (WHERE w.__pgt_sign > 0) WHEN sum(w.c0_0) FILTER (WHERE w.__pgt_sign > 0) IS NULL THEN sum(w.c0_0) FILTER (WHERE w.__pgt_sign < 0) * -1 ELSE sum(w.c0_0) FILTER (WHERE w.__pgt_sign > 0) - sum(w.c0_0) FILTER (WHERE w.__pgt_sign < 0) END AS __pgt_aux_sum_1,
               sum(CASE WHEN w.c0_0 IS DISTINCT FROM NULL THEN w.__pgt_sign ELSE 0 END) AS __pgt_aux_nn_1
        FROM __pgt_w AS w
        HAVING count(*) > 0) AS q
),
__pgt_m AS (
MERGE INTO "public"."new_st" AS st
USING __pgt_d AS d
  ON st.__pgt_row_id = d.__pgt_row_id
WHEN MATCHED THEN
  UPDATE SET __pgt_count = st.__pgt_count + d.__pgt_count,
             "n" = (st.__pgt_count + d.__pgt_count),
             "total" = (CASE WHEN st.__pgt_aux_nn_1 + d.__pgt_aux_nn_1 = 0 THEN NULL WHEN st.__pgt_aux_sum_1 IS NULL THEN d.__pgt_aux_sum_1 WHEN d.__pgt_aux_sum_1 IS NULL THEN st.__pgt_aux_sum_1 ELSE st.__pgt_aux_sum_1 + d.__pgt_aux_sum_1 END),
             __pgt_aux_sum_1 = (CASE WHEN st.__pgt_aux_nn_1 + d.__pgt_aux_nn_1 = 0 THEN NULL WHEN st.__pgt_aux_sum_1 IS NULL THEN d.__pgt_aux_sum_1 WHEN d.__pgt_aux_sum_1 IS NULL THEN st.__pgt_aux_sum_1 ELSE st.__pgt_aux_sum_1 + d.__pgt_aux_sum_1 END),
             __pgt_aux_nn_1 = (st.__pgt_aux_nn_1 + d.__pgt_aux_nn_1)
WHEN NOT MATCHED AND d.__pgt_count > 0 THEN
  INSERT ("n", "total", __pgt_count, __pgt_aux_sum_1, __pgt_aux_nn_1, __pgt_row_id)
  VALUES (d.__pgt_count, (CASE WHEN d.__pgt_aux_nn_1 = 0 THEN NULL ELSE d.__pgt_aux_sum_1 END), d.__pgt_count, (CASE WHEN d.__pgt_aux_nn_1 = 0 THEN NULL ELSE d.__pgt_aux_sum_1 END), d.__pgt_aux_nn_1, d.__pgt_row_id)
RETURNING merge_action() AS action
)
SELECT count(*) FILTER (WHERE action <> 'DELETE'), count(*) FILTER (WHERE action <> 'INSERT') FROM __pgt_m;
