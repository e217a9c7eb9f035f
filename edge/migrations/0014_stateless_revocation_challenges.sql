-- Revocation challenges become stateless (issue 15, "blocking holder revocation"): a challenge is a token the
-- Worker authenticates with its own key (shared/src/revocation/challenge.rs), and issuing one writes nothing. A
-- stranger who knows a public serial could once hold every open challenge a certificate was allowed; now nothing
-- is held. The table keeps only the challenges a revocation used: the revocation's batch inserts the challenge's
-- hash, and the primary key makes a second use fail that batch whole. A used challenge is final: no update.
--
-- The rebuild drops the open challenges of the former scheme (their tokens are not in the new format and would
-- be refused anyway) and keeps the used ones until the scheduled handler deletes them with the rest.

DROP TRIGGER revocation_challenges_version;

CREATE TABLE revocation_challenges_spent (
    challenge_hash  TEXT PRIMARY KEY,  -- SHA-256 (hex) of the challenge's text; the challenge itself is never stored
    serial          TEXT NOT NULL REFERENCES certificates (serial),
    expires_at      INTEGER NOT NULL,  -- the challenge's own expiry: after it, the challenge is refused unread
    used_at         INTEGER NOT NULL
);

INSERT INTO revocation_challenges_spent (challenge_hash, serial, expires_at, used_at)
    SELECT challenge_hash, serial, expires_at, used_at FROM revocation_challenges WHERE used_at IS NOT NULL;

DROP TABLE revocation_challenges;

ALTER TABLE revocation_challenges_spent RENAME TO revocation_challenges;

CREATE TRIGGER revocation_challenges_final BEFORE UPDATE ON revocation_challenges
BEGIN
    SELECT RAISE(ABORT, 'revocation_challenge_final');
END;
