-- Contracts and deposits (shared/src/contract.rs, edge/src/contracts.rs): a CA administrator sets a contract on an
-- account (reference, credit limit, start and end); contract orders are charged to the contract's own ledger, which
-- a trigger keeps within the limit exactly as `ledger_no_overdraft` keeps the balance above zero; deposits and
-- refunds are ledger entries.

CREATE TABLE contracts (
    id                  TEXT PRIMARY KEY,
    account_id          TEXT NOT NULL REFERENCES accounts (id),
    reference           TEXT NOT NULL,
    credit_limit_cents  INTEGER NOT NULL CHECK (credit_limit_cents > 0),
    starts_at           INTEGER NOT NULL,  -- Unix seconds: active from this instant
    ends_at             INTEGER NOT NULL CHECK (ends_at > starts_at),  -- until (excluded)
    ended_at            INTEGER,  -- ended early by a CA administrator
    created_at          INTEGER NOT NULL,
    created_by          TEXT NOT NULL,
    version             INTEGER NOT NULL DEFAULT 0
);
-- An order names its contract by reference: one reference per account.
CREATE UNIQUE INDEX contracts_reference ON contracts (account_id, reference);

CREATE TRIGGER contracts_version BEFORE UPDATE ON contracts
WHEN NEW.version IS NOT OLD.version + 1
BEGIN
    SELECT RAISE(ABORT, 'version_conflict');
END;

-- A contract's movements, cents: charges (negative) and refunds (positive). What is used is minus their sum.
CREATE TABLE contract_ledger (
    id           TEXT PRIMARY KEY,
    contract_id  TEXT NOT NULL REFERENCES contracts (id),
    at           INTEGER NOT NULL,
    amount       INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('charge', 'refund')),
    order_id     TEXT NOT NULL,
    recipients   INTEGER NOT NULL,  -- how many recipients the entry pays for or gives back
    created_by   TEXT NOT NULL
);
CREATE INDEX contract_ledger_contract ON contract_ledger (contract_id);
CREATE INDEX contract_ledger_order ON contract_ledger (order_id);

-- A charge is refused past the credit limit, whatever else ran concurrently (each D1 batch is one transaction).
CREATE TRIGGER contract_ledger_limit BEFORE INSERT ON contract_ledger
WHEN NEW.amount < 0
 AND (SELECT COALESCE(SUM(amount), 0) FROM contract_ledger WHERE contract_id = NEW.contract_id) + NEW.amount
     + (SELECT credit_limit_cents FROM contracts WHERE id = NEW.contract_id) < 0
BEGIN
    SELECT RAISE(ABORT, 'contract_limit_exceeded');
END;

-- A charge is refused on a contract that is not active at the charge's instant (ended early meanwhile, or outside
-- its window), whatever the handler read before.
CREATE TRIGGER contract_ledger_active BEFORE INSERT ON contract_ledger
WHEN NEW.amount < 0
 AND NOT EXISTS (SELECT 1 FROM contracts WHERE id = NEW.contract_id AND ended_at IS NULL
                 AND starts_at <= NEW.at AND NEW.at < ends_at)
BEGIN
    SELECT RAISE(ABORT, 'contract_inactive');
END;

-- The balance's refunds name how many recipients they give back (NULL for deposits and charges).
ALTER TABLE ledger ADD COLUMN recipients INTEGER;
CREATE INDEX ledger_reference ON ledger (reference);
