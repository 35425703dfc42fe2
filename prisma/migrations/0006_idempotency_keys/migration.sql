-- Redial: Idempotency-Key on POST /v1/challenges and PUT /v1/users/:userId/phones (issue 14).
--
-- A client whose request timed out retries with the same key and gets the first answer again, instead of a second
-- challenge and a second text. A key's row is written in the same transaction as the work it guards, with the answer
-- (status and body), so neither can exist without the other; a request that failed wrote nothing, and its key is
-- free. Keys are scoped to the caller (the SHA-256 of the API key that authenticated, never the key itself) and to
-- the operation (method and path, the user id included for phones). The body is the answer's JSON text as it was
-- sent (text, not jsonb, which would reorder its keys): a replay is the first answer byte for byte. The worker
-- purges rows after 24 hours.
CREATE TABLE "idempotency_keys" (
  "caller"      TEXT NOT NULL,
  "operation"   TEXT NOT NULL,
  "key"         TEXT NOT NULL,
  "fingerprint" TEXT NOT NULL,
  "status"      INTEGER NOT NULL,
  "body"        TEXT NOT NULL,
  "created_at"  TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("caller", "operation", "key")
);
CREATE INDEX "idempotency_keys_created_at_idx" ON "idempotency_keys" ("created_at");
