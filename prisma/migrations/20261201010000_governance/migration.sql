-- Governance (issue 9): who holds which sign-off roles, disabled users, personal tokens, the
-- checklist state and the sign-offs of each phase gate.

-- AlterTable
ALTER TABLE "users" ADD COLUMN "signoff_roles" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN "disabled_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "api_tokens" ADD COLUMN "user_id" UUID;

-- CreateTable
CREATE TABLE "checklist_items" (
    "rollout_id" UUID NOT NULL,
    "phase_key" TEXT NOT NULL,
    "item_key" TEXT NOT NULL,
    "checked" BOOLEAN NOT NULL,
    "evidence" TEXT,
    "actor_type" TEXT NOT NULL,
    "actor_id" TEXT,
    "actor_name" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "checklist_items_pkey" PRIMARY KEY ("rollout_id","phase_key","item_key")
);

-- CreateTable
CREATE TABLE "signoffs" (
    "id" UUID NOT NULL,
    "rollout_id" UUID NOT NULL,
    "phase_key" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "user_id" UUID NOT NULL,
    "user_name" TEXT NOT NULL,
    "decision" TEXT NOT NULL,
    "comment" TEXT NOT NULL DEFAULT '',
    "gate_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "withdrawn_at" TIMESTAMPTZ(3),
    "invalidated_at" TIMESTAMPTZ(3),
    "invalidated_reason" TEXT,

    CONSTRAINT "signoffs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "api_tokens_user_id_idx" ON "api_tokens"("user_id");

-- CreateIndex
CREATE INDEX "signoffs_rollout_id_phase_key_idx" ON "signoffs"("rollout_id", "phase_key");

-- One standing decision per person, role and gate (withdrawn and invalidated ones are history)
CREATE UNIQUE INDEX "signoffs_standing_key" ON "signoffs"("rollout_id", "phase_key", "role", "user_id") WHERE "withdrawn_at" IS NULL AND "invalidated_at" IS NULL;

-- AddForeignKey
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "checklist_items" ADD CONSTRAINT "checklist_items_rollout_id_fkey" FOREIGN KEY ("rollout_id") REFERENCES "rollouts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "signoffs" ADD CONSTRAINT "signoffs_rollout_id_fkey" FOREIGN KEY ("rollout_id") REFERENCES "rollouts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "signoffs" ADD CONSTRAINT "signoffs_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
