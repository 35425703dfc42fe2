-- Redial: the audit trail of the SMS pumping guard (issue 13).
--
-- A destination prefix (country calling code plus the next digits, e.g. '44-770') whose texts are sent but
-- whose codes are rarely entered is suspended by the worker (in Redis, with the figures that suspended it).
-- Only an operator lifts a suspension; each release is recorded here: who, when, which prefix, and the
-- figures at the time. No phone number is stored, only the prefix.
CREATE TABLE "pumping_releases" (
  "id"           UUID PRIMARY KEY,
  "prefix"       TEXT NOT NULL,
  "operator"     TEXT NOT NULL,
  "note"         TEXT,
  "suspended_at" TIMESTAMPTZ(3),
  "released_at"  TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  "sent"         INTEGER NOT NULL,
  "verified"     INTEGER NOT NULL,
  "window_min"   INTEGER NOT NULL
);
CREATE INDEX "pumping_releases_released_at_idx" ON "pumping_releases" ("released_at");
