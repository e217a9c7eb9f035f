-- Logins against abuse (issue 15): attempts reserved before the secret is checked, a bounded back-off, and an
-- account that always keeps an enabled administrator.
--
-- login_throttle, again: one row per key (`email:<sha256>`, `email:<sha256>|ip:<network>` for a CA administrator,
-- `ip:<network>`), counting *attempts*, each reserved by one `INSERT ... ON CONFLICT DO UPDATE ... WHERE
-- next_attempt_at <= now RETURNING` before the secret is checked (`edge/src/store/login_throttle.rs`, the rules of
-- shared::account::Throttle). The old rows counted failures after the check; they are only counts, and dropping
-- them forgets at most an hour of them.
DROP TABLE login_throttle;

CREATE TABLE login_throttle (
    key              TEXT PRIMARY KEY,
    attempts         INTEGER NOT NULL CHECK (attempts >= 0),
    last_attempt_at  INTEGER NOT NULL,
    -- No attempt is reserved before this instant (the back-off); NULL while the allowance lasts.
    next_attempt_at  INTEGER
);

-- An account keeps an enabled administrator. Two administrators disabling each other at once each pass the
-- handler's checks (each reads the other enabled, and their rows' versions do not clash), so the database refuses
-- the update that would take away an account's last enabled organization administrator, by disabling or by another
-- role: D1 runs batches one at a time, so the second of two such batches sees the first's change and aborts whole.
CREATE TRIGGER users_last_administrator BEFORE UPDATE OF disabled_at, role ON users
WHEN OLD.role = 'org_admin' AND OLD.disabled_at IS NULL
    AND (NEW.disabled_at IS NOT NULL OR NEW.role IS NOT 'org_admin')
    AND NOT EXISTS (
        SELECT 1 FROM users
        WHERE account_id = OLD.account_id AND id <> OLD.id AND role = 'org_admin' AND disabled_at IS NULL
    )
BEGIN
    SELECT RAISE(ABORT, 'last_administrator');
END;
