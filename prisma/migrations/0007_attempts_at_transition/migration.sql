-- Redial: a text's code is no longer stored, and a step's attempt is written by the transition that starts it
-- (issue 16, the send path).
--
-- The code a text carries is an HOTP value of its attempt (libs/domain verification-code.ts), recomputed when it
-- is checked: there is no hash to keep. Codes texted before this migration stop working; the person asks for a
-- new text (or the step times out and fails over).
ALTER TABLE "challenges"
  DROP COLUMN "code_hash",
  DROP COLUMN "code_attempt_id";

-- Challenges waiting for a dispatch when this runs had their attempt row written by the worker, just before the
-- send; now the transition writes it and the job carries its id. Give each such challenge the attempt its
-- current step waits on (the step's next attempt number when it has none unfinished), so the reconciler can
-- re-create its job; the old job, which names no attempt, ends without sending.
INSERT INTO "delivery_attempts" ("id", "challenge_id", "step_index", "attempt_no", "method", "provider", "status", "status_rank")
SELECT gen_random_uuid(), c."id", c."current_step", coalesce(max(a."attempt_no"), 0) + 1, s."method", 'twilio', 'queued', 0
FROM "challenges" c
JOIN "challenge_steps" s ON s."challenge_id" = c."id" AND s."index" = c."current_step"
LEFT JOIN "delivery_attempts" a ON a."challenge_id" = c."id" AND a."step_index" = c."current_step"
WHERE c."status" = 'pending' AND c."next_action" = 'dispatch'
GROUP BY c."id", c."current_step", s."method"
HAVING count(a."id") = count(a."finished_at");
