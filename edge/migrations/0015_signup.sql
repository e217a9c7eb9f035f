-- Onboarding (issue 12, item 1): public signup with a single-use link, its throttle, and accounts that a CA
-- administrator can disable.
--
-- signups: one row per signup form accepted for an address without an account. The emailed link's token is stored
-- only as its SHA-256; the link lives 24 hours and is spent once (`signups_version`, as `password_resets`). The
-- account and its first administrator are made when the link is spent, in the spend's batch (`account_id`).
CREATE TABLE signups (
    id                  TEXT PRIMARY KEY,
    token_hash          TEXT NOT NULL UNIQUE,
    email               TEXT NOT NULL,  -- as EmailAddress::as_str
    organization_name   TEXT NOT NULL,  -- the account's name
    administrator_name  TEXT NOT NULL,
    lang                TEXT NOT NULL DEFAULT 'en' CHECK (lang IN ('en', 'fr')),
    created_at          INTEGER NOT NULL,
    expires_at          INTEGER NOT NULL,
    spent_at            INTEGER,
    account_id          TEXT REFERENCES accounts (id),
    version             INTEGER NOT NULL DEFAULT 0,
    CHECK ((spent_at IS NULL) = (account_id IS NULL))
);
CREATE INDEX signups_email ON signups (email);

CREATE TRIGGER signups_version BEFORE UPDATE ON signups
WHEN NEW.version IS NOT OLD.version + 1
BEGIN
    SELECT RAISE(ABORT, 'version_conflict');
END;

-- Signups counted per submitted address (`email:<sha256>`, account or not, so the answer never tells) and per client
-- network (`ip:<network>`), reserved before anything is looked up: the rules of shared::account::Throttle with the
-- policies of shared::signup, in the statement of edge/src/store/signup_throttle.rs (login_throttle's shape).
CREATE TABLE signup_throttle (
    key              TEXT PRIMARY KEY,
    attempts         INTEGER NOT NULL CHECK (attempts >= 0),
    last_attempt_at  INTEGER NOT NULL,
    next_attempt_at  INTEGER
);

-- A CA administrator disables an account (its users' sessions and API keys end in the same batch; logins are
-- refused with `account_disabled`; its certificates stay valid) and may enable it again.
ALTER TABLE accounts ADD COLUMN disabled_at INTEGER;
ALTER TABLE accounts ADD COLUMN disabled_reason TEXT;
