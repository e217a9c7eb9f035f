-- Keyward schema, fifth migration: delivery of the mail outbox (edge/src/outbox.rs, rules in
-- shared/src/outbox.rs).
--
-- A row is written in the same batch as the state change that causes it, with `status = 'pending'`. A run (the
-- scheduled handler, or the request that wrote it, right after its batch) claims a due row with
-- `UPDATE ... SET attempts = attempts + 1 ... WHERE id = ? AND attempts = <the value it read>` before sending,
-- so two runs never send one attempt twice, then records the outcome. Rows written without `next_attempt_at`
-- are due from `created_at`.

-- The language the email is written in.
ALTER TABLE mail_outbox ADD COLUMN lang TEXT NOT NULL DEFAULT 'en' CHECK (lang IN ('en', 'fr'));
-- When the next attempt is due (seconds since the Unix epoch); NULL once sent or failed, or before any claim.
ALTER TABLE mail_outbox ADD COLUMN next_attempt_at INTEGER;
-- When the adapter accepted the message.
ALTER TABLE mail_outbox ADD COLUMN sent_at INTEGER;
-- Why the last attempt did not send (the provider's status and answer, shortened).
ALTER TABLE mail_outbox ADD COLUMN last_error TEXT;
-- The adapter that made the last attempt: 'development' (kept for the development mailbox) or 'http'
-- (shared::outbox::MailAdapter). No CHECK: SQLite cannot change one without rebuilding the table, and a new
-- adapter should not need that.
ALTER TABLE mail_outbox ADD COLUMN adapter TEXT;
-- The provider's identifier for the sent message, when it gave one.
ALTER TABLE mail_outbox ADD COLUMN provider_id TEXT;

CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
