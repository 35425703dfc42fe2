-- Redial: indexes for the alert rules' look-backs.
--
-- Every few seconds the alert rules count two rare things over the last 15 minutes: fraud reports (denied
-- challenges) and attempts the provider refused for a configuration problem. Through the created_at indexes
-- those counts read every event or attempt of the window, which grows with the traffic (at 200 challenges/s,
-- some 700,000 events per look, a burst of work every few seconds). These indexes hold the rare rows only.
CREATE INDEX "challenge_events_denied_idx" ON "challenge_events" ("created_at") WHERE "type" = 'challenge.denied';
CREATE INDEX "delivery_attempts_reason_idx" ON "delivery_attempts" ("reason", "created_at") WHERE "reason" IS NOT NULL;
