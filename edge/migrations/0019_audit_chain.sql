-- The audit trail becomes hash-chained and tamper-evident (issue 14, item 6; the rules and the canonical bytes
-- are in shared/src/audit.rs). One chain per account, and the chain 'ca' for what concerns no account.
--
-- A record is still inserted unsealed, in the batch of the change it records (store/audit_log.rs): a batch cannot
-- safely read the previous record's hash under concurrency. The sealer (edge/src/audit.rs: right after a write
-- request's answer, and from the scheduled handler) takes each chain's unsealed records in id order, gives them
-- their chain, sequence, previous hash and hash, and writes them in ONE batch whose first statement moves the
-- chain's head row (a new head is inserted; an existing one is updated to version = read + 1, and the version
-- trigger aborts a stale sealer's batch whole). The unique (chain, sequence) index and the link trigger below are
-- the second and third guards: two sealers never fork a chain.
--
-- Sealed records are final: no update, no delete, by any code path (the triggers below). An unsealed record may
-- only be sealed, and only once; records are never deleted.

ALTER TABLE audit_log ADD COLUMN chain TEXT;          -- the account's id or 'ca'; NULL until sealed
ALTER TABLE audit_log ADD COLUMN sequence INTEGER;    -- 1, 2, 3, ... per chain; NULL until sealed
ALTER TABLE audit_log ADD COLUMN previous_hash TEXT;  -- the previous record's hash (hex); 64 zeros for the first
ALTER TABLE audit_log ADD COLUMN hash TEXT;           -- SHA-256 (hex) of the canonical bytes

CREATE UNIQUE INDEX audit_log_chain_sequence ON audit_log (chain, sequence);
CREATE INDEX audit_log_unsealed ON audit_log (id) WHERE sequence IS NULL;

CREATE TABLE audit_chain_heads (
    chain     TEXT PRIMARY KEY,
    sequence  INTEGER NOT NULL CHECK (sequence >= 1),
    hash      TEXT NOT NULL,
    version   INTEGER NOT NULL
);

CREATE TRIGGER audit_chain_heads_version BEFORE UPDATE ON audit_chain_heads
WHEN NEW.version IS NOT OLD.version + 1 OR NEW.chain IS NOT OLD.chain OR NEW.sequence <= OLD.sequence
BEGIN
    SELECT RAISE(ABORT, 'version_conflict');
END;

CREATE TRIGGER audit_chain_heads_kept BEFORE DELETE ON audit_chain_heads
BEGIN
    SELECT RAISE(ABORT, 'audit_record_sealed');
END;

-- Records are written unsealed.
CREATE TRIGGER audit_log_inserted_unsealed BEFORE INSERT ON audit_log
WHEN NEW.chain IS NOT NULL OR NEW.sequence IS NOT NULL OR NEW.previous_hash IS NOT NULL OR NEW.hash IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'audit_record_unsealed_only');
END;

-- A sealed record is final.
CREATE TRIGGER audit_log_sealed_final BEFORE UPDATE ON audit_log
WHEN OLD.sequence IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'audit_record_sealed');
END;

-- No record is ever deleted.
CREATE TRIGGER audit_log_kept BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_record_sealed');
END;

-- Sealing changes the seal's four columns only, sets all four, and links the record to its chain: sequence 1
-- after 64 zeros, or one more than a sealed record of the same chain whose hash it carries; and the chain's head
-- (moved first in the same batch) has reached it.
CREATE TRIGGER audit_log_seal BEFORE UPDATE ON audit_log
WHEN OLD.sequence IS NULL AND (
    NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at OR NEW.actor IS NOT OLD.actor OR NEW.action IS NOT OLD.action
    OR NEW.subject_type IS NOT OLD.subject_type OR NEW.subject_id IS NOT OLD.subject_id
    OR NEW.detail IS NOT OLD.detail
    OR NEW.chain IS NULL OR NEW.sequence IS NULL OR NEW.previous_hash IS NULL OR NEW.hash IS NULL
    OR NOT (
        (NEW.sequence = 1 AND NEW.previous_hash = '0000000000000000000000000000000000000000000000000000000000000000')
        OR EXISTS (
            SELECT 1 FROM audit_log AS previous
            WHERE previous.chain = NEW.chain AND previous.sequence = NEW.sequence - 1
              AND previous.hash = NEW.previous_hash
        )
    )
    OR NEW.sequence > (SELECT sequence FROM audit_chain_heads WHERE chain = NEW.chain)
    OR NOT EXISTS (SELECT 1 FROM audit_chain_heads WHERE chain = NEW.chain)
)
BEGIN
    SELECT RAISE(ABORT, 'audit_chain_broken');
END;
