-- Redial: per-phone verification (issue 15).
--
-- A person may verify a saved backup phone on demand ("Verify this phone now"): a challenge of purpose
-- `phone_check` with one step to that phone. When one is approved — or a settings challenge, for the primary —
-- the phone's `verified_at` is set, on the user's active and pending settings alike, and a later save carries it
-- over to the same number. Nullable with no default: adding the column rewrites nothing; phones from before
-- this migration read as never verified.
ALTER TABLE "phones" ADD COLUMN "verified_at" TIMESTAMPTZ(3);

-- The new purpose (the migration runs in one transaction: the table is locked while its rows are checked).
ALTER TABLE "challenges"
  DROP CONSTRAINT "challenges_purpose_check",
  ADD CONSTRAINT "challenges_purpose_check" CHECK ("purpose" IN ('sign_in', 'settings', 'phone_check'));
