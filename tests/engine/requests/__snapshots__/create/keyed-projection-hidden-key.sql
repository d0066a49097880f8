-- SELECT customer, lower(note) AS note FROM orders
-- refreshMode DIFFERENTIAL; operatorTree Project(Scan(public.orders))

-- statement 1 (counting none)
CREATE TABLE "public"."new_st" AS
SELECT __pgt_src."customer" AS "customer",
       "lower"(__pgt_src."note") AS "note",
       __pgt_src."id" AS "__pgt_key_1",
       hash_record_extended(ROW(__pgt_src."id"), 0) AS __pgt_row_id
  FROM "public"."orders" AS __pgt_src
WITH NO DATA;

-- statement 2 (counting none)
CREATE INDEX "new_st___pgt_row_id_idx" ON "public"."new_st" (__pgt_row_id);

-- statement 3 (counting none)
CREATE TABLE pgtrickle_changes."changes_16384" (
  __pgt_seq bigint NOT NULL DEFAULT nextval('pgtrickle_changes.change_seq'),
  __pgt_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  __pgt_action "char" NOT NULL,
  "customer" integer,
  "note" text,
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
    INSERT INTO pgtrickle_changes."changes_16384" (__pgt_action, "customer", "note", "id") SELECT 'I', "customer", "note", "id" FROM __pgt_new;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO pgtrickle_changes."changes_16384" (__pgt_action, "customer", "note", "id") SELECT 'D', "customer", "note", "id" FROM __pgt_old;
    INSERT INTO pgtrickle_changes."changes_16384" (__pgt_action, "customer", "note", "id") SELECT 'I', "customer", "note", "id" FROM __pgt_new;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO pgtrickle_changes."changes_16384" (__pgt_action, "customer", "note", "id") SELECT 'D', "customer", "note", "id" FROM __pgt_old;
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
VALUES ('"public"."new_st"'::regclass, 'new_st', 'public', 'SELECT customer, lower(note) AS note FROM orders', 'SELECT customer, lower(note) AS note FROM orders',
  NULL, 'DIFFERENTIAL', 'AUTO', 'DIFFERENTIAL', NULL, pgtrickle._database_identity(), '<the program below>'::jsonb);

-- statement 14 (counting none)
INSERT INTO pgtrickle.pgt_dependencies (pgt_id, source_relid, source_type, columns_used, cdc_mode)
SELECT pgt_id, 16384, 'TABLE', ARRAY['customer', 'note', 'id']::text[], 'trigger'
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
INSERT INTO "public"."new_st" ("customer", "note", "__pgt_key_1", "__pgt_row_id")
SELECT __pgt_src."customer" AS "customer",
       "lower"(__pgt_src."note") AS "note",
       __pgt_src."id" AS "__pgt_key_1",
       hash_record_extended(ROW(__pgt_src."id"), 0) AS __pgt_row_id
  FROM "public"."orders" AS __pgt_src;

-- program.full 4 (counting none)
CREATE INDEX "new_st___pgt_row_id_idx" ON "public"."new_st" (__pgt_row_id);

-- program.differential 1 (counting returned)
WITH __pgt_w AS (
SELECT b.__pgt_seq, CASE WHEN b.__pgt_action = 'I' THEN 1 ELSE -1 END AS __pgt_sign, b."customer", b."note", b."id"
  FROM pgtrickle_changes."changes_16384" AS b
  WHERE b.__pgt_xid >= $2::xid8
  AND NOT (CASE WHEN b.__pgt_xid = $3::xid8 THEN b.__pgt_seq <= $4::bigint
           ELSE pg_visible_in_snapshot(b.__pgt_xid, $1::pg_snapshot) END)
    AND b.__pgt_action <> 'T'
),
__pgt_last AS (
  SELECT DISTINCT ON (l."id") l.*
  FROM __pgt_w AS l
  ORDER BY l."id", l.__pgt_seq DESC
),
__pgt_live AS (
  SELECT l.*, (l.__pgt_sign > 0 AND true) AS __pgt_live
  FROM __pgt_last AS l
),
__pgt_d AS (
  SELECT CASE WHEN v.__pgt_live THEN v."customer" END AS "customer",
         CASE WHEN v.__pgt_live THEN "lower"(v."note") END AS "note",
         v."id" AS "__pgt_dk_1",
         hash_record_extended(ROW(v."id"), 0) AS __pgt_row_id,
         v.__pgt_live
  FROM __pgt_live AS v
),
__pgt_m AS (
MERGE INTO "public"."new_st" AS st
USING __pgt_d AS d
  ON st.__pgt_row_id = d.__pgt_row_id AND st."__pgt_key_1" = d.__pgt_dk_1
WHEN MATCHED AND NOT d.__pgt_live THEN DELETE
WHEN MATCHED AND (ROW(st."customer", st."note", st."__pgt_key_1", st."__pgt_row_id"))::record *<> (ROW(d."customer", d."note", d.__pgt_dk_1, d."__pgt_row_id"))::record THEN
  UPDATE SET "customer" = d."customer", "note" = d."note", "__pgt_key_1" = d.__pgt_dk_1, "__pgt_row_id" = d."__pgt_row_id"
WHEN NOT MATCHED AND d.__pgt_live THEN
  INSERT ("customer", "note", "__pgt_key_1", "__pgt_row_id")
  VALUES (d."customer", d."note", d.__pgt_dk_1, d."__pgt_row_id")
RETURNING merge_action() AS action
)
SELECT count(*) FILTER (WHERE action <> 'DELETE'), count(*) FILTER (WHERE action <> 'INSERT') FROM __pgt_m;
