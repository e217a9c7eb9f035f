-- Keyward schema, first migration: the walking skeleton's tables.
-- Instants are INTEGER seconds since the Unix epoch. Identifiers are random hex. Tokens are stored only as
-- SHA-256 hashes (hex). Versioned rows carry `version`; the triggers below refuse any update that does not
-- set it to exactly the stored value plus one, so a stale writer's whole batch rolls back.

CREATE TABLE organizations (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    -- Registration reference, S/MIME BR 7.1.4.2.2 (d): scheme, country, hyphen, reference ("NTRGB-12345678").
    identifier    TEXT NOT NULL,
    country       TEXT NOT NULL CHECK (length(country) = 2),
    validated_at  INTEGER,
    created_at    INTEGER NOT NULL
);

CREATE TABLE orders (
    id               TEXT PRIMARY KEY,
    organization_id  TEXT NOT NULL REFERENCES organizations (id),
    profile          TEXT NOT NULL,
    validity_days    INTEGER NOT NULL CHECK (validity_days > 0),
    created_at       INTEGER NOT NULL
);

CREATE TABLE recipients (
    id        TEXT PRIMARY KEY,
    order_id    TEXT NOT NULL REFERENCES orders (id),
    given_name  TEXT NOT NULL,
    surname     TEXT NOT NULL,
    email       TEXT NOT NULL
);

CREATE TABLE enrollment_links (
    id            TEXT PRIMARY KEY,
    recipient_id  TEXT NOT NULL REFERENCES recipients (id),
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    spent_at      INTEGER,
    version       INTEGER NOT NULL DEFAULT 0
);

CREATE TRIGGER enrollment_links_version BEFORE UPDATE ON enrollment_links
WHEN NEW.version IS NOT OLD.version + 1
BEGIN
    SELECT RAISE(ABORT, 'version_conflict');
END;

CREATE TABLE certificates (
    serial              TEXT PRIMARY KEY,
    recipient_id        TEXT NOT NULL REFERENCES recipients (id),
    -- One certificate per link, whatever races happen: the second insert fails and its batch rolls back.
    enrollment_link_id  TEXT NOT NULL UNIQUE REFERENCES enrollment_links (id),
    der                 TEXT NOT NULL,  -- base64
    spki_sha256         TEXT NOT NULL,
    not_before          INTEGER NOT NULL,
    not_after           INTEGER NOT NULL,
    issued_at           INTEGER NOT NULL
);
CREATE INDEX certificates_spki ON certificates (spki_sha256);

CREATE TABLE mail_outbox (
    id          TEXT PRIMARY KEY,
    to_address  TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);

CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            INTEGER NOT NULL,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    subject_type  TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    detail        TEXT NOT NULL DEFAULT '{}'
);
