-- Ingest speed (issue 8): the raw evidence tables lose their foreign key to rollouts. Ingest finds
-- the rollout in the statement that inserts the rows, and rollouts are never deleted; the per-row
-- FK check (a KEY SHARE lock on the same rollouts row for every sample, a multixact under
-- concurrent batches) was the largest remaining cost per batch (bench/README.md). The rollup
-- buckets keep theirs (a bucket row is inserted once and then updated).
ALTER TABLE "metric_samples" DROP CONSTRAINT "metric_samples_rollout_id_fkey";
ALTER TABLE "comparisons" DROP CONSTRAINT "comparisons_rollout_id_fkey";
