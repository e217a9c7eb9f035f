-- Warnings before expiry (shared/src/expiry.rs): how many reminders went out for a certificate, written in the
-- batch that queues them (with the version bump, so a concurrent run's batch fails whole instead of sending
-- twice).
ALTER TABLE certificates ADD COLUMN expiry_reminders INTEGER NOT NULL DEFAULT 0;
CREATE INDEX certificates_not_after ON certificates (not_after);
