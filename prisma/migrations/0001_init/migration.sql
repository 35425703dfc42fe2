-- Redial: initial schema. Mirrors prisma/schema.prisma (checked by test/schema-drift.int-spec.ts).

CREATE TABLE "users" (
  "id"         TEXT PRIMARY KEY,
  "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);

CREATE TABLE "phone_settings" (
  "id"           UUID PRIMARY KEY,
  "user_id"      TEXT NOT NULL REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "state"        TEXT NOT NULL CHECK ("state" IN ('active', 'pending', 'superseded', 'rejected')),
  "challenge_id" UUID,
  "created_at"   TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "activated_at" TIMESTAMPTZ(3)
);
CREATE INDEX "phone_settings_user_id_state_idx" ON "phone_settings" ("user_id", "state");
-- At most one active and one pending version per user.
CREATE UNIQUE INDEX "phone_settings_one_active" ON "phone_settings" ("user_id") WHERE "state" = 'active';
CREATE UNIQUE INDEX "phone_settings_one_pending" ON "phone_settings" ("user_id") WHERE "state" = 'pending';

CREATE TABLE "phones" (
  "id"          UUID PRIMARY KEY,
  "settings_id" UUID NOT NULL REFERENCES "phone_settings"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "role"        TEXT NOT NULL CHECK ("role" IN ('primary', 'backup')),
  "position"    INTEGER NOT NULL CHECK ("position" BETWEEN 0 AND 4),
  "e164"        TEXT NOT NULL,
  "country"     TEXT NOT NULL,
  "method"      TEXT NOT NULL CHECK ("method" IN ('call', 'sms')),
  "label"       TEXT CHECK ("label" IN ('mobile', 'office', 'alternate')),
  "extension"   TEXT,
  "line_type"   TEXT
);
CREATE UNIQUE INDEX "phones_settings_id_position_key" ON "phones" ("settings_id", "position");

CREATE TABLE "challenges" (
  "id"                UUID PRIMARY KEY,
  "user_id"           TEXT NOT NULL REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "purpose"           TEXT NOT NULL CHECK ("purpose" IN ('sign_in', 'settings')),
  "settings_id"       UUID,
  "status"            TEXT NOT NULL,
  "current_step"      INTEGER NOT NULL,
  "code_hash"         TEXT,
  "code_attempt_id"   UUID,
  "wrong_codes"       INTEGER NOT NULL DEFAULT 0,
  "sends"             INTEGER NOT NULL DEFAULT 0,
  "fraud_reported"    BOOLEAN NOT NULL DEFAULT false,
  "next_action_at"    TIMESTAMPTZ(3),
  "next_action"       TEXT,
  "expires_at"        TIMESTAMPTZ(3) NOT NULL,
  "approved_at"       TIMESTAMPTZ(3),
  "finished_at"       TIMESTAMPTZ(3),
  "first_delivery_at" TIMESTAMPTZ(3),
  "last_seq"          INTEGER NOT NULL DEFAULT 0,
  "version"           INTEGER NOT NULL DEFAULT 0,
  "request_id"        TEXT,
  "created_at"        TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "updated_at"        TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE INDEX "challenges_status_next_action_at_idx" ON "challenges" ("status", "next_action_at");
CREATE INDEX "challenges_user_id_created_at_idx" ON "challenges" ("user_id", "created_at");
CREATE INDEX "challenges_created_at_idx" ON "challenges" ("created_at");

CREATE TABLE "challenge_steps" (
  "challenge_id" UUID NOT NULL REFERENCES "challenges"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "index"        INTEGER NOT NULL,
  "role"         TEXT NOT NULL,
  "e164"         TEXT NOT NULL,
  "masked"       TEXT NOT NULL,
  "country"      TEXT NOT NULL,
  "method"       TEXT NOT NULL,
  "extension"    TEXT,
  "label"        TEXT,
  "status"       TEXT NOT NULL,
  "reason"       TEXT,
  "started_at"   TIMESTAMPTZ(3),
  "ended_at"     TIMESTAMPTZ(3),
  PRIMARY KEY ("challenge_id", "index")
);
CREATE INDEX "challenge_steps_e164_idx" ON "challenge_steps" ("e164");

CREATE TABLE "delivery_attempts" (
  "id"             UUID PRIMARY KEY,
  "challenge_id"   UUID NOT NULL REFERENCES "challenges"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "step_index"     INTEGER NOT NULL,
  "attempt_no"     INTEGER NOT NULL,
  "method"         TEXT NOT NULL,
  "provider"       TEXT NOT NULL,
  "provider_sid"   TEXT,
  "status"         TEXT NOT NULL,
  "status_rank"    INTEGER NOT NULL DEFAULT 0,
  "error_code"     INTEGER,
  "reason"         TEXT,
  "answered_by"    TEXT,
  "prompts_played" INTEGER NOT NULL DEFAULT 0,
  "created_at"     TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "updated_at"     TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "sent_at"        TIMESTAMPTZ(3),
  "delivered_at"   TIMESTAMPTZ(3),
  "finished_at"    TIMESTAMPTZ(3)
);
CREATE UNIQUE INDEX "delivery_attempts_provider_sid_key" ON "delivery_attempts" ("provider_sid");
CREATE UNIQUE INDEX "delivery_attempts_challenge_id_step_index_attempt_no_key" ON "delivery_attempts" ("challenge_id", "step_index", "attempt_no");
CREATE INDEX "delivery_attempts_created_at_idx" ON "delivery_attempts" ("created_at");

CREATE TABLE "challenge_events" (
  "id"           BIGSERIAL PRIMARY KEY,
  "challenge_id" UUID NOT NULL REFERENCES "challenges"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  "seq"          INTEGER NOT NULL,
  "type"         TEXT NOT NULL,
  "payload"      JSONB NOT NULL,
  "created_at"   TIMESTAMPTZ(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX "challenge_events_challenge_id_seq_key" ON "challenge_events" ("challenge_id", "seq");
CREATE INDEX "challenge_events_created_at_idx" ON "challenge_events" ("created_at");

CREATE TABLE "alerts" (
  "id"         UUID PRIMARY KEY,
  "kind"       TEXT NOT NULL,
  "key"        TEXT NOT NULL,
  "severity"   TEXT NOT NULL,
  "message"    TEXT NOT NULL,
  "value"      DOUBLE PRECISION,
  "threshold"  DOUBLE PRECISION,
  "raised_at"  TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "cleared_at" TIMESTAMPTZ(3)
);
CREATE INDEX "alerts_cleared_at_idx" ON "alerts" ("cleared_at");
