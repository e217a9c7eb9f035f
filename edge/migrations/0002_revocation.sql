-- Revocation: the state on the certificate row (guarded by a version like the links), single-use challenges
-- for the holder's proof of possession, and the issuing CA's CRLs as signed (numbered, kept).

ALTER TABLE certificates ADD COLUMN revoked_at INTEGER;
ALTER TABLE certificates ADD COLUMN revocation_reason TEXT
    CHECK (revocation_reason IN ('unspecified', 'key_compromise', 'affiliation_changed', 'superseded',
                                 'cessation_of_operation', 'privilege_withdrawn'));
ALTER TABLE certificates ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER certificates_version BEFORE UPDATE ON certificates
WHEN NEW.version IS NOT OLD.version + 1
BEGIN
    SELECT RAISE(ABORT, 'version_conflict');
END;

CREATE INDEX certificates_revoked ON certificates (revoked_at) WHERE revoked_at IS NOT NULL;

CREATE TABLE revocation_challenges (
    challenge_hash  TEXT PRIMARY KEY,  -- SHA-256 (hex) of the challenge; the challenge itself is never stored
    serial          TEXT NOT NULL REFERENCES certificates (serial),
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    used_at         INTEGER,
    version         INTEGER NOT NULL DEFAULT 0
);

CREATE TRIGGER revocation_challenges_version BEFORE UPDATE ON revocation_challenges
WHEN NEW.version IS NOT OLD.version + 1
BEGIN
    SELECT RAISE(ABORT, 'version_conflict');
END;

-- Every CRL the issuing CA signed. The primary key makes numbers strictly increasing without gaps: two writers
-- that read the same latest number cannot both insert the next one, and the loser's batch rolls back.
CREATE TABLE crls (
    issuer       TEXT NOT NULL CHECK (issuer = 'issuing'),
    number       INTEGER NOT NULL CHECK (number > 0),
    this_update  INTEGER NOT NULL,
    next_update  INTEGER NOT NULL,
    der          TEXT NOT NULL,  -- base64
    PRIMARY KEY (issuer, number)
);
