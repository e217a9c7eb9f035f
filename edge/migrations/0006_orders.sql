-- Orders placed by accounts (shared/src/order.rs, shared/src/pipeline.rs). (0005 is the outbox's.)

-- When the order was completed or cancelled.
ALTER TABLE orders ADD COLUMN closed_at INTEGER;

-- A recipient's place in its order (the pipeline and the API name recipients by it).
ALTER TABLE recipients ADD COLUMN position INTEGER NOT NULL DEFAULT 0;

-- The balance never goes below zero: a charge that would overdraw it aborts its whole batch (the order with it),
-- whatever else ran concurrently, since D1 runs each batch as one transaction.
CREATE TRIGGER ledger_no_overdraft BEFORE INSERT ON ledger
WHEN NEW.amount < 0
 AND (SELECT COALESCE(SUM(amount), 0) FROM ledger WHERE account_id = NEW.account_id) + NEW.amount < 0
BEGIN
    SELECT RAISE(ABORT, 'insufficient_balance');
END;

CREATE INDEX recipients_order ON recipients (order_id, position);
CREATE INDEX recipients_email ON recipients (email);
