-- Redial: what each delivery attempt is estimated to cost (issue 13, cost control).
--
-- Written by the worker when the text or call goes out (the price table in libs/guard: USD per segment or per
-- started minute for the destination's country), and for a call corrected from Twilio's CallDuration when it
-- ends. A challenge's cost is the sum over its attempts. Nullable with no default: adding the columns rewrites
-- nothing, and attempts from before this migration, or never sent, have no cost.
ALTER TABLE "delivery_attempts"
  ADD COLUMN "cost_usd"   DOUBLE PRECISION CHECK ("cost_usd" >= 0),
  ADD COLUMN "cost_units" INTEGER CHECK ("cost_units" >= 0);
