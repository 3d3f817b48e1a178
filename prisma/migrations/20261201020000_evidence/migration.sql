-- Evidence (issue 8): pushed metric samples and dual-run comparisons, their one-minute rollups
-- (written in the same transaction as the raw rows), idempotency keys of pushed batches, and
-- the `metrics` token role, optionally limited to some rollouts.

-- AlterEnum
ALTER TYPE "role" ADD VALUE 'metrics';

-- AlterTable
ALTER TABLE "api_tokens" ADD COLUMN "rollout_keys" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateTable
CREATE TABLE "metric_samples" (
    "id" BIGSERIAL NOT NULL,
    "rollout_id" UUID NOT NULL,
    "metric" TEXT NOT NULL,
    "arm" TEXT NOT NULL,
    "value" DOUBLE PRECISION NOT NULL,
    "count" DOUBLE PRECISION NOT NULL DEFAULT 1,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "metric_samples_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "metric_buckets" (
    "rollout_id" UUID NOT NULL,
    "metric" TEXT NOT NULL,
    "arm" TEXT NOT NULL,
    "resolution" INTEGER NOT NULL,
    "start" TIMESTAMPTZ(3) NOT NULL,
    "weight" DOUBLE PRECISION NOT NULL,
    "n" INTEGER NOT NULL,
    "sum" DOUBLE PRECISION NOT NULL,
    "sum_sq" DOUBLE PRECISION NOT NULL,
    "min" DOUBLE PRECISION NOT NULL,
    "max" DOUBLE PRECISION NOT NULL,
    "sketch" JSONB NOT NULL,

    CONSTRAINT "metric_buckets_pkey" PRIMARY KEY ("rollout_id","metric","arm","resolution","start")
);

-- CreateTable
CREATE TABLE "comparisons" (
    "id" BIGSERIAL NOT NULL,
    "rollout_id" UUID NOT NULL,
    "ref" TEXT,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "compatible" BOOLEAN,
    "baseline" DOUBLE PRECISION,
    "candidate" DOUBLE PRECISION,
    "category" TEXT,
    "fields" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "comparisons_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "comparison_buckets" (
    "rollout_id" UUID NOT NULL,
    "resolution" INTEGER NOT NULL,
    "start" TIMESTAMPTZ(3) NOT NULL,
    "n" INTEGER NOT NULL,
    "compatible_true" INTEGER NOT NULL,
    "compatible_false" INTEGER NOT NULL,
    "numeric" JSONB NOT NULL,
    "categories" JSONB NOT NULL,

    CONSTRAINT "comparison_buckets_pkey" PRIMARY KEY ("rollout_id","resolution","start")
);

-- CreateTable
CREATE TABLE "evidence_idempotency_keys" (
    "rollout_id" UUID NOT NULL,
    "scope" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "body_hash" TEXT NOT NULL,
    "status" INTEGER NOT NULL,
    "response" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "evidence_idempotency_keys_pkey" PRIMARY KEY ("rollout_id","scope","key")
);

-- CreateIndex
CREATE INDEX "metric_samples_rollout_id_metric_at_idx" ON "metric_samples"("rollout_id", "metric", "at");

-- CreateIndex
CREATE INDEX "comparisons_rollout_id_at_idx" ON "comparisons"("rollout_id", "at");

-- CreateIndex
CREATE INDEX "comparisons_rollout_id_category_at_idx" ON "comparisons"("rollout_id", "category", "at");

-- CreateIndex
CREATE INDEX "evidence_idempotency_keys_created_at_idx" ON "evidence_idempotency_keys"("created_at");

-- AddForeignKey
ALTER TABLE "metric_samples" ADD CONSTRAINT "metric_samples_rollout_id_fkey" FOREIGN KEY ("rollout_id") REFERENCES "rollouts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "metric_buckets" ADD CONSTRAINT "metric_buckets_rollout_id_fkey" FOREIGN KEY ("rollout_id") REFERENCES "rollouts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "comparisons" ADD CONSTRAINT "comparisons_rollout_id_fkey" FOREIGN KEY ("rollout_id") REFERENCES "rollouts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "comparison_buckets" ADD CONSTRAINT "comparison_buckets_rollout_id_fkey" FOREIGN KEY ("rollout_id") REFERENCES "rollouts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- metric_buckets / comparison_buckets hold each minute (resolution 60) and the same minutes merged
-- into 5-minute (300) and hourly (3600) buckets, all written at ingest.

-- Sketch merges in SQL, so a batch upserts its minute buckets in one statement
-- (INSERT … ON CONFLICT DO UPDATE) and a dashboard merges minutes into coarser buckets without
-- shipping them to the app. Same semantics as lib/domain/sketch.ts mergeSketches and
-- lib/domain/evidence.ts mergeComparisonBuckets: bins (and categories) add up by key.

-- {"a": 1, "b": 2} + {"b": 3} = {"a": 1, "b": 5}
CREATE FUNCTION "evidence_merge_counts"(a JSONB, b JSONB) RETURNS JSONB
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN a IS NULL OR a = '{}'::jsonb THEN coalesce(b, '{}'::jsonb)
    WHEN b IS NULL OR b = '{}'::jsonb THEN a
    ELSE (SELECT jsonb_object_agg(k, w) FROM (
      SELECT e.key AS k, sum(e.value::float8) AS w
      FROM (SELECT * FROM jsonb_each_text(a) UNION ALL SELECT * FROM jsonb_each_text(b)) e
      GROUP BY e.key) s)
  END
$$;

-- two sketches {"zero": z, "pos": {bin: weight}, "neg": {bin: weight}} in one
CREATE FUNCTION "evidence_merge_sketch"(a JSONB, b JSONB) RETURNS JSONB
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT jsonb_build_object(
    'zero', coalesce((a->>'zero')::float8, 0) + coalesce((b->>'zero')::float8, 0),
    'pos', "evidence_merge_counts"(a->'pos', b->'pos'),
    'neg', "evidence_merge_counts"(a->'neg', b->'neg'))
$$;
