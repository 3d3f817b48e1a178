-- Evaluations (issue 8): what the evaluator worker saw — one row per criterion or red flag of a
-- rollout's phase per interval slot (soak and red-flag debounce are derived from them) — and the
-- red-flag trips, whose unique effect_key is inserted in the same transaction as the effect so a
-- trip acts exactly once across worker replicas and restarts.

-- CreateTable
CREATE TABLE "criterion_evaluations" (
    "id" BIGSERIAL NOT NULL,
    "rollout_id" UUID NOT NULL,
    "phase_key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "criterion_key" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "value" DOUBLE PRECISION,
    "n" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "detail" TEXT NOT NULL,
    "result" JSONB NOT NULL,
    "slot" BIGINT NOT NULL,
    "phase_entered_at" TIMESTAMPTZ(3) NOT NULL,
    "evaluated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "criterion_evaluations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "red_flag_trips" (
    "id" BIGSERIAL NOT NULL,
    "rollout_id" UUID NOT NULL,
    "phase_key" TEXT NOT NULL,
    "criterion_key" TEXT NOT NULL,
    "effect_key" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "detail" TEXT NOT NULL,
    "consecutive" INTEGER NOT NULL,
    "evidence" JSONB NOT NULL,
    "audit_event_id" BIGINT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "red_flag_trips_pkey" PRIMARY KEY ("id")
);


-- CreateIndex
CREATE INDEX "criterion_evaluations_rollout_id_phase_key_kind_criterion_k_idx" ON "criterion_evaluations"("rollout_id", "phase_key", "kind", "criterion_key", "evaluated_at");

-- CreateIndex
CREATE UNIQUE INDEX "criterion_evaluations_rollout_id_phase_key_kind_criterion_k_key" ON "criterion_evaluations"("rollout_id", "phase_key", "kind", "criterion_key", "slot");

-- CreateIndex
CREATE UNIQUE INDEX "red_flag_trips_effect_key_key" ON "red_flag_trips"("effect_key");

-- CreateIndex
CREATE INDEX "red_flag_trips_rollout_id_created_at_idx" ON "red_flag_trips"("rollout_id", "created_at");


-- AddForeignKey
ALTER TABLE "criterion_evaluations" ADD CONSTRAINT "criterion_evaluations_rollout_id_fkey" FOREIGN KEY ("rollout_id") REFERENCES "rollouts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "red_flag_trips" ADD CONSTRAINT "red_flag_trips_rollout_id_fkey" FOREIGN KEY ("rollout_id") REFERENCES "rollouts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
