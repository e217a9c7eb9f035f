-- Test enrollment (issue 13.4): a machine proves it holds a certificate's private key and that the certificate is
-- valid now, and the certificate becomes installed.
--
-- The challenge is stateless, as the holder's revocation challenge is (`shared::installation`): issuing one writes
-- nothing, so strangers asking for challenges take nothing from the holder. A challenge is written only by the
-- batch that uses it, as the SHA-256 of its text; the primary key makes a second use of the same challenge fail
-- that batch whole. Rows are deleted by the scheduled handler a day after the challenge's own expiry.
CREATE TABLE installation_challenges_spent (
    challenge_hash  TEXT PRIMARY KEY,  -- SHA-256 (hex) of the challenge's text; the challenge itself is never stored
    serial          TEXT NOT NULL REFERENCES certificates (serial),
    expires_at      INTEGER NOT NULL,  -- the challenge's own expiry (ten minutes after it was issued)
    used_at         INTEGER NOT NULL
);

-- One row per successful test: when, by what (the browser page, the native client, or Cloudflare's verified mTLS
-- handshake), and the user agent the request carried (at most 256 characters). The inventory shows the state
-- `installed` for a certificate with a row here (unless revoked, replaced or expired).
CREATE TABLE installations (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    serial        TEXT NOT NULL REFERENCES certificates (serial),
    installed_at  INTEGER NOT NULL,
    method        TEXT NOT NULL CHECK (method IN ('browser', 'native_client', 'mtls')),
    user_agent    TEXT NOT NULL DEFAULT '' CHECK (length(user_agent) <= 256),
    -- The spent challenge's hash, as a record (the spent row itself is deleted a day after the challenge expired);
    -- NULL for mTLS (Cloudflare's handshake was the proof).
    challenge_hash TEXT
);
CREATE INDEX installations_latest ON installations (serial, installed_at);

CREATE TRIGGER installations_immutable BEFORE UPDATE ON installations
BEGIN
    SELECT RAISE(ABORT, 'installations are never updated');
END;

CREATE TRIGGER installation_challenges_spent_immutable BEFORE UPDATE ON installation_challenges_spent
BEGIN
    SELECT RAISE(ABORT, 'spent installation challenges are never updated');
END;
