-- Reminders configurable per account and the "renewed but not picked up" escalation (issue 14.5;
-- shared/src/expiry.rs, edge/src/reminders.rs).
--
-- An account's reminder settings; an account without a row has the defaults (everything on). `thresholds` is a
-- bit mask over shared::expiry::THRESHOLDS (bit 0: 90 days before ... bit 8: 7 days after; 511 = all nine).
CREATE TABLE reminder_settings (
    account_id      TEXT PRIMARY KEY REFERENCES accounts (id),
    enabled         INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    thresholds      INTEGER NOT NULL CHECK (thresholds BETWEEN 0 AND 511),
    administrators  INTEGER NOT NULL CHECK (administrators IN (0, 1)),
    updated_at      INTEGER NOT NULL,
    updated_by      TEXT NOT NULL REFERENCES users (id)
);

-- How a replaced certificate's escalation was settled, once ('sent', 'picked_up': the replacement was picked up
-- in time, 'off': the account had reminders off); NULL while it is not. Written in the reminder's batch, guarded by
-- the certificate's version, so it is sent at most once.
ALTER TABLE certificates ADD COLUMN escalation TEXT CHECK (escalation IN ('sent', 'picked_up', 'off'));

