-- Keyward schema, migration 0018: passkeys (WebAuthn credentials), recovery codes and spent WebAuthn challenges;
-- a session's passkey step.
--
-- A CA administrator's password login opens a session at the passkey step ('register' until they have a
-- passkey, 'confirm' until they use one); so does an organization user's who registered a passkey. Such a session
-- reaches only the passkey endpoints, who is logged in and logging out (edge/src/auth.rs). The verification is
-- shared/src/webauthn.rs'.

-- One row per registered credential. The public key is the COSE key as the authenticator sent it (base64url).
CREATE TABLE passkeys (
    id                  TEXT PRIMARY KEY,
    user_id             TEXT NOT NULL REFERENCES users (id),
    credential_id       TEXT NOT NULL UNIQUE,
    public_key_cose     TEXT NOT NULL,
    algorithm           INTEGER NOT NULL CHECK (algorithm IN (-7, -257)),
    sign_count          INTEGER NOT NULL CHECK (sign_count >= 0),
    name                TEXT NOT NULL,
    user_verified       INTEGER NOT NULL CHECK (user_verified IN (0, 1)),
    attestation_format  TEXT NOT NULL CHECK (attestation_format IN ('none', 'packed')),
    created_at          INTEGER NOT NULL,
    last_used_at        INTEGER
);
CREATE INDEX passkeys_user ON passkeys (user_id);

-- The signature counter only goes up (both zero: an authenticator without a counter), whatever the code does
-- (WebAuthn 6.1.1; shared::webauthn::check_counter is the same rule).
CREATE TRIGGER passkeys_counter_only_increases BEFORE UPDATE OF sign_count ON passkeys
WHEN NEW.sign_count <= OLD.sign_count AND NOT (NEW.sign_count = 0 AND OLD.sign_count = 0)
BEGIN
    SELECT RAISE(ABORT, 'passkeys_counter_regressed');
END;

-- Recovery codes: SHA-256 of each (80 random bits), ten per user at the first passkey; each used once, by the
-- session it confirmed (`used_by_session`, so that session's update can tell its own spend from another's).
CREATE TABLE recovery_codes (
    user_id          TEXT NOT NULL REFERENCES users (id),
    code_hash        TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    used_at          INTEGER,
    used_by_session  TEXT,
    PRIMARY KEY (user_id, code_hash)
);

CREATE TRIGGER recovery_codes_used_once BEFORE UPDATE OF used_at ON recovery_codes
WHEN OLD.used_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'recovery_code_used');
END;

-- WebAuthn challenges are stateless (shared/src/webauthn/challenge.rs); the batch that uses one inserts its hash
-- here, so a second use of the same challenge (a replayed answer) fails that batch whole.
CREATE TABLE webauthn_challenges_spent (
    challenge_hash  TEXT PRIMARY KEY,
    expires_at      INTEGER NOT NULL,
    used_at         INTEGER NOT NULL
);

ALTER TABLE sessions ADD COLUMN passkey_step TEXT NOT NULL DEFAULT 'done'
    CHECK (passkey_step IN ('done', 'confirm', 'register'));

-- CA administrators' open sessions end: their next login goes through a passkey.
UPDATE sessions SET revoked_at = CAST(strftime('%s', 'now') AS INTEGER)
WHERE revoked_at IS NULL AND user_id IN (SELECT id FROM users WHERE role = 'ca_admin');
