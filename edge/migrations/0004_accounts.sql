-- Keyward schema, fourth migration: customer accounts, their users, sessions and API keys; organizations,
-- domains and mailboxes with their validations; orders placed by accounts, with idempotency and a ledger.
--
-- An account is the tenant: it holds users, API keys, a balance, validated organizations (the legal entities
-- named in certificates), validated domains and mailboxes, and orders. Every tenant-owned row carries
-- `account_id`, and every query of an account's data filters on it (see edge/src/auth.rs).

CREATE TABLE accounts (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

-- Users. A CA administrator belongs to no account; everyone else belongs to exactly one.
-- Passwords: the browser derives a 256-bit key from the password (PBKDF2-HMAC-SHA256, 600,000 iterations, salt
-- from the address; shared/src/account.rs); the Worker stores SHA-256(salt || key) with a random salt, so a login
-- costs the Worker one hash. A temporary password (128 random bits, emailed to an invited user) is stored as its
-- SHA-256 and must be replaced at first login.
CREATE TABLE users (
    id                          TEXT PRIMARY KEY,
    account_id                  TEXT REFERENCES accounts (id),
    email                       TEXT NOT NULL UNIQUE,  -- as EmailAddress::as_str, domain lower-cased
    name                        TEXT NOT NULL,
    role                        TEXT NOT NULL CHECK (role IN ('ca_admin', 'org_admin', 'org_user')),
    password_salt               TEXT,  -- hex
    password_hash               TEXT,  -- hex
    temporary_password_hash     TEXT,  -- hex
    temporary_password_expires  INTEGER,
    lang                        TEXT NOT NULL DEFAULT 'en' CHECK (lang IN ('en', 'fr')),
    disabled_at                 INTEGER,
    created_at                  INTEGER NOT NULL,
    version                     INTEGER NOT NULL DEFAULT 0,
    CHECK ((role = 'ca_admin') = (account_id IS NULL)),
    CHECK (password_hash IS NOT NULL OR temporary_password_hash IS NOT NULL OR disabled_at IS NOT NULL)
);
CREATE INDEX users_account ON users (account_id);

CREATE TRIGGER users_version BEFORE UPDATE ON users
WHEN NEW.version IS NOT OLD.version + 1
BEGIN
    SELECT RAISE(ABORT, 'version_conflict');
END;

-- Sessions: the cookie holds 256 random bits; only their SHA-256 is stored.
CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id),
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    revoked_at    INTEGER,
    user_agent    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Failed logins, per submitted address whether or not an account has it (so the answer never tells), and per
-- client address. `key` is `email:<sha256>` or `ip:<address>`.
CREATE TABLE login_throttle (
    key           TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    window_start  INTEGER NOT NULL,
    locked_until  INTEGER
);

-- API keys for scripts: account-scoped, shown once, stored as SHA-256.
CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    account_id    TEXT NOT NULL REFERENCES accounts (id),
    name          TEXT NOT NULL,
    key_hash      TEXT NOT NULL UNIQUE,
    prefix        TEXT NOT NULL,  -- the first characters, so a person can tell keys apart
    created_by    TEXT NOT NULL REFERENCES users (id),
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    revoked_at    INTEGER
);
CREATE INDEX api_keys_account ON api_keys (account_id);

-- Password reset links (single-use, like enrollment links).
CREATE TABLE password_resets (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    spent_at    INTEGER,
    version     INTEGER NOT NULL DEFAULT 0
);

CREATE TRIGGER password_resets_version BEFORE UPDATE ON password_resets
WHEN NEW.version IS NOT OLD.version + 1
BEGIN
    SELECT RAISE(ABORT, 'version_conflict');
END;

-- Organizations (0001) now belong to an account and carry what validation needs.
ALTER TABLE organizations ADD COLUMN account_id TEXT REFERENCES accounts (id);
ALTER TABLE organizations ADD COLUMN address TEXT NOT NULL DEFAULT '{}';   -- JSON: street, city, postal_code, region
ALTER TABLE organizations ADD COLUMN phone TEXT NOT NULL DEFAULT '';       -- E.164
ALTER TABLE organizations ADD COLUMN contacts TEXT NOT NULL DEFAULT '[]';  -- JSON: [{name, email, phone}]
ALTER TABLE organizations ADD COLUMN validated_until INTEGER;
ALTER TABLE organizations ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
CREATE INDEX organizations_account ON organizations (account_id);

CREATE TRIGGER organizations_version BEFORE UPDATE ON organizations
WHEN NEW.version IS NOT OLD.version + 1
BEGIN
    SELECT RAISE(ABORT, 'version_conflict');
END;

-- One row per validation attempt of an organization, a domain or a mailbox. A resend or a change of method
-- writes a new row (a fresh random value) and supersedes the pending one; a completed row is the evidence.
CREATE TABLE validations (
    id               TEXT PRIMARY KEY,
    account_id       TEXT NOT NULL REFERENCES accounts (id),
    kind             TEXT NOT NULL CHECK (kind IN ('organization', 'domain', 'mailbox')),
    subject          TEXT NOT NULL,  -- organization id, domain name or email address
    method           TEXT NOT NULL
                     CHECK (method IN ('call', 'email_code', 'constructed_email', 'dns_txt', 'mailbox_link')),
    target           TEXT NOT NULL DEFAULT '',  -- where the email went, or the DNS name queried
    secret_hash      TEXT UNIQUE,               -- SHA-256 of an emailed link token or code (never the value)
    dns_value        TEXT,                      -- the TXT value to publish (not a secret: it becomes public)
    attempts         INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,          -- the random value's end (24 hours)
    superseded_at    INTEGER,
    validated_at     INTEGER,
    validated_until  INTEGER,                   -- reuse period end (825 days organizations, 398 domains)
    evidence         TEXT NOT NULL DEFAULT '{}',  -- JSON: who did what (the call record, the address used)
    version          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX validations_subject ON validations (account_id, kind, subject);

CREATE TRIGGER validations_version BEFORE UPDATE ON validations
WHEN NEW.version IS NOT OLD.version + 1
BEGIN
    SELECT RAISE(ABORT, 'version_conflict');
END;

-- Orders (0001) now belong to an account, carry the checked request and their state.
ALTER TABLE orders ADD COLUMN account_id TEXT REFERENCES accounts (id);
ALTER TABLE orders ADD COLUMN state TEXT NOT NULL DEFAULT 'awaiting_enrollment'
    CHECK (state IN ('awaiting_validation', 'awaiting_enrollment', 'completed', 'cancelled'));
ALTER TABLE orders ADD COLUMN request TEXT NOT NULL DEFAULT '{}';  -- JSON of the checked order
ALTER TABLE orders ADD COLUMN idempotency_key TEXT;
ALTER TABLE orders ADD COLUMN created_by TEXT;
ALTER TABLE orders ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
-- Submitting twice (a double click, a retry after a timeout) finds the first order instead of making another.
CREATE UNIQUE INDEX orders_idempotency ON orders (account_id, idempotency_key);
CREATE INDEX orders_account ON orders (account_id, created_at);

CREATE TRIGGER orders_version BEFORE UPDATE ON orders
WHEN NEW.version IS NOT OLD.version + 1
BEGIN
    SELECT RAISE(ABORT, 'version_conflict');
END;

-- A request brought with the order (PEM, public key only). It can never be added or changed after submission.
ALTER TABLE recipients ADD COLUMN csr TEXT;
CREATE TRIGGER recipients_csr_immutable BEFORE UPDATE OF csr ON recipients
WHEN NEW.csr IS NOT OLD.csr
BEGIN
    SELECT RAISE(ABORT, 'csr_immutable');
END;

-- The account's balance: deposits (positive) and charges (negative), in cents. The balance is the sum.
CREATE TABLE ledger (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    at          INTEGER NOT NULL,
    amount      INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('deposit', 'charge', 'refund')),
    reference   TEXT NOT NULL,  -- the order id, or the deposit's payment reference
    created_by  TEXT NOT NULL
);
CREATE INDEX ledger_account ON ledger (account_id);
