-- The issuance pipeline's guards in the database (shared::issuance::pipeline decides; these refuse what code might
-- get wrong, and what two requests racing could slip past a read).
--
-- key_holders: one row per certified public key (the SHA-256 of its SubjectPublicKeyInfo), naming its holder: the
-- ordering organization, the mailbox (lower case) and the host names (JSON array, as recipients.dns_names), joined
-- by U+001F. Every issuance batch writes `INSERT OR IGNORE` of its key's row: the same holder again (a renewal
-- that keeps its key) changes nothing; another holder, or a key reported compromised, aborts the whole batch. Two
-- subjects racing with one new key: D1 runs batches one at a time, so the second sees the first's row and aborts.
CREATE TABLE key_holders (
    spki_sha256         TEXT PRIMARY KEY,
    holder              TEXT NOT NULL,
    first_certified_at  INTEGER NOT NULL,
    -- Set by a keyCompromise revocation (S/MIME BR 4.9.1.1: a compromised key is never certified again).
    compromised_at      INTEGER
);

CREATE TRIGGER key_holders_compromised BEFORE INSERT ON key_holders
WHEN EXISTS (SELECT 1 FROM key_holders WHERE spki_sha256 = NEW.spki_sha256 AND compromised_at IS NOT NULL)
BEGIN
    SELECT RAISE(ABORT, 'key_compromised');
END;

CREATE TRIGGER key_holders_other_holder BEFORE INSERT ON key_holders
WHEN EXISTS (SELECT 1 FROM key_holders WHERE spki_sha256 = NEW.spki_sha256 AND holder IS NOT NEW.holder)
BEGIN
    SELECT RAISE(ABORT, 'key_already_certified');
END;

-- The keys certified before this table existed, with their first holder and any compromise.
INSERT OR IGNORE INTO key_holders (spki_sha256, holder, first_certified_at, compromised_at)
SELECT c.spki_sha256,
       o.organization_id || char(31) || lower(r.email) || char(31) || r.dns_names,
       MIN(c.issued_at),
       MAX(CASE WHEN c.revocation_reason = 'key_compromise' THEN c.revoked_at END)
FROM certificates c
JOIN recipients r ON r.id = c.recipient_id
JOIN orders o ON o.id = r.order_id
GROUP BY c.spki_sha256;

-- A CSR given with an order and refused when its issuance ran later (the key was revoked for compromise meanwhile,
-- CAA forbids, a validation lapsed): the order page shows why. JSON {"code", "message", "step"}; NULL otherwise.
ALTER TABLE recipients ADD COLUMN issuance_refusal TEXT;
ALTER TABLE recipients ADD COLUMN issuance_refused_at INTEGER;
