-- Device requests (issue 13.1 and 13.2; shared/src/device_request.rs, edge/src/device_requests.rs): a requester of an
-- account asks for a workstation or server certificate for one of its organizations; an enrollment manager of that
-- organization (workstations) or a CA administrator (servers) approves or rejects it; the approved request becomes
-- an order with one recipient, the requester, and moves on with its certificate.

-- Who decides the workstation requests of an organization: a user of the organization's account, granted by the
-- account's organization admin. Not a role of `users`: a person manages one organization and not another.
CREATE TABLE enrollment_managers (
    user_id          TEXT NOT NULL REFERENCES users (id),
    organization_id  TEXT NOT NULL REFERENCES organizations (id),
    granted_at       INTEGER NOT NULL,
    granted_by       TEXT NOT NULL,
    PRIMARY KEY (user_id, organization_id)
);
CREATE INDEX enrollment_managers_organization ON enrollment_managers (organization_id);

-- The device kinds an account's requesters may ask for (the organization admin's setting), comma-separated.
ALTER TABLE accounts ADD COLUMN device_kinds TEXT NOT NULL DEFAULT 'workstation,server';

-- One row per request, holding its latest version's fields (`device_request_versions` keeps every version).
CREATE TABLE device_requests (
    id               TEXT PRIMARY KEY,  -- DR-XXXX-XX (shared::device_request::RequestId)
    account_id       TEXT NOT NULL REFERENCES accounts (id),
    organization_id  TEXT NOT NULL REFERENCES organizations (id),
    requester_id     TEXT NOT NULL REFERENCES users (id),
    kind             TEXT NOT NULL CHECK (kind IN ('workstation', 'server')),
    host_name        TEXT NOT NULL,  -- lower-case
    dns_names        TEXT NOT NULL,  -- JSON array, the host name first
    machine_id       TEXT,           -- lower-case
    locality         TEXT NOT NULL,
    region           TEXT NOT NULL,
    phone            TEXT NOT NULL,
    description      TEXT NOT NULL,
    csr              TEXT,
    status           TEXT NOT NULL DEFAULT 'requested' CHECK (status IN
                       ('requested', 'approved', 'rejected', 'cancelled', 'issued', 'downloaded', 'installed', 'revoked')),
    reason           TEXT,           -- the approver's reason (required to reject)
    -- The newer request that replaced this one. No foreign key: the cancellation runs before the newer request's
    -- insert in their batch (D1 checks foreign keys at once), which is what lets the pending index hold.
    cancelled_by     TEXT,
    decided_by       TEXT,           -- the approver (`user:<id>`)
    decided_at       INTEGER,
    order_id         TEXT REFERENCES orders (id),
    serial           TEXT REFERENCES certificates (serial),
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    form_version     INTEGER NOT NULL DEFAULT 1,  -- the requester's latest version (an edit adds one)
    version          INTEGER NOT NULL DEFAULT 0,  -- every change of the row adds one (the trigger below)
    CHECK (status != 'rejected' OR (reason IS NOT NULL AND reason != '')),
    CHECK (status IN ('requested', 'rejected', 'cancelled') OR order_id IS NOT NULL)
);
CREATE INDEX device_requests_account ON device_requests (account_id, created_at);
CREATE INDEX device_requests_queue ON device_requests (kind, status, created_at);
CREATE INDEX device_requests_order ON device_requests (order_id) WHERE order_id IS NOT NULL;
-- One pending request per requester and machine, whatever races happen: a new one cancels the pending one in its
-- own batch, and the index refuses the second of two batches that raced past each other (the edge retries it).
CREATE UNIQUE INDEX device_requests_pending_host ON device_requests (requester_id, host_name)
    WHERE status = 'requested';
CREATE UNIQUE INDEX device_requests_pending_machine ON device_requests (requester_id, machine_id)
    WHERE status = 'requested' AND machine_id IS NOT NULL;

-- Every change of a request's row sets version to the stored one plus one (an edit, a decision, a cancellation, the
-- moves below): a decision made on a stale reading rolls its whole batch back (its order with it).
CREATE TRIGGER device_requests_version BEFORE UPDATE ON device_requests
WHEN NEW.version IS NOT OLD.version + 1
BEGIN
    SELECT RAISE(ABORT, 'version_conflict');
END;

-- A status moves only as shared::device_request::transition allows (the database's copy of the rule).
CREATE TRIGGER device_requests_transition BEFORE UPDATE OF status ON device_requests
WHEN NEW.status IS NOT OLD.status AND NOT (
       (OLD.status = 'requested' AND NEW.status IN ('approved', 'rejected', 'cancelled'))
    OR (OLD.status = 'approved' AND NEW.status = 'issued')
    OR (OLD.status = 'issued' AND NEW.status = 'downloaded')
    OR (OLD.status = 'downloaded' AND NEW.status = 'installed')
    OR (OLD.status IN ('issued', 'downloaded', 'installed') AND NEW.status = 'revoked'))
BEGIN
    SELECT RAISE(ABORT, 'device_request_transition_refused');
END;

-- Every version the requester submitted, the first one included: the approver sees what changed.
CREATE TABLE device_request_versions (
    request_id   TEXT NOT NULL REFERENCES device_requests (id),
    version      INTEGER NOT NULL,
    host_name    TEXT NOT NULL,
    dns_names    TEXT NOT NULL,
    machine_id   TEXT,
    locality     TEXT NOT NULL,
    region       TEXT NOT NULL,
    phone        TEXT NOT NULL,
    description  TEXT NOT NULL,
    csr          TEXT,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (request_id, version)
);

CREATE TRIGGER device_request_versions_immutable BEFORE UPDATE ON device_request_versions
BEGIN
    SELECT RAISE(ABORT, 'device request versions are never updated');
END;

-- The certificate's life moves the request on, in the batch that writes it, whichever path wrote it (the enrollment
-- page's CSR, a CSR given with the request, the pickup by the page or an API key, a revocation): approved → issued
-- when the order's certificate is inserted, issued → downloaded at its first pickup, and → revoked with it.
CREATE TRIGGER device_requests_issued AFTER INSERT ON certificates
BEGIN
    UPDATE device_requests SET status = 'issued', serial = NEW.serial, version = version + 1, updated_at = NEW.issued_at
    WHERE status = 'approved'
      AND order_id = (SELECT order_id FROM recipients WHERE id = NEW.recipient_id);
END;

CREATE TRIGGER device_requests_downloaded AFTER INSERT ON pickups
BEGIN
    UPDATE device_requests SET status = 'downloaded', version = version + 1, updated_at = NEW.first_at
    WHERE status = 'issued' AND serial = NEW.serial;
END;

CREATE TRIGGER device_requests_revoked AFTER UPDATE OF revoked_at ON certificates
WHEN NEW.revoked_at IS NOT NULL AND OLD.revoked_at IS NULL
BEGIN
    UPDATE device_requests SET status = 'revoked', version = version + 1, updated_at = NEW.revoked_at
    WHERE status IN ('issued', 'downloaded', 'installed') AND serial = NEW.serial;
END;
