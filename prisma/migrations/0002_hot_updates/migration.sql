-- Redial: let the rows every challenge updates several times be updated in place.
--
-- A challenge row changes on each transition (four or five times in a challenge's life), its attempts two or
-- three times. PostgreSQL updates a row in place ("HOT": no new index entries, less for vacuum) only when no
-- indexed column changes and the page has room for the new version. Measured under load before this
-- migration: 25% of challenge updates were HOT.

-- next_action_at changes on nearly every transition, so indexing it made almost every update a full one. The
-- reconciler only ever looks at pending challenges (a few hundred at most, however large the table grows):
-- a partial index on a column that never changes finds them.
DROP INDEX "challenges_status_next_action_at_idx";
CREATE INDEX "challenges_pending_idx" ON "challenges" ("expires_at") WHERE "status" = 'pending';

-- Room on each page for the new versions.
ALTER TABLE "challenges" SET (fillfactor = 80);
ALTER TABLE "delivery_attempts" SET (fillfactor = 80);
ALTER TABLE "challenge_steps" SET (fillfactor = 80);
