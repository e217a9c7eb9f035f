-- Keyward schema, migration 0016: organization vetting by the CA's staff (S/MIME BR 3.2.3).
--
-- An organization is validated only by a CA administrator's vetting: the independent source consulted (its name,
-- URL or reference, the registration number found there), the verification call (the number, its independent
-- source, who answered, when), the decision, and the administrator who recorded it. The emailed code stays a
-- contact's confirmation (a completed `validations` row of method `email_code`) and validates nothing.
--
-- Every record is kept: vettings and the applicant's answers are insert only (triggers refuse UPDATE and DELETE).

CREATE TABLE vettings (
    id                   TEXT PRIMARY KEY,
    organization_id      TEXT NOT NULL REFERENCES organizations (id),
    account_id           TEXT NOT NULL REFERENCES accounts (id),
    decision             TEXT NOT NULL CHECK (decision IN ('validated', 'rejected', 'information_requested')),
    message              TEXT NOT NULL DEFAULT '',  -- the reason (rejected) or question the applicant sees
    source_name          TEXT,                      -- "Companies House", "GLEIF"
    source_reference     TEXT,                      -- an https:// URL or a reference
    registration_number  TEXT,                      -- as found in the source
    call_phone           TEXT,                      -- E.164
    call_phone_source    TEXT,                      -- where the number was found
    call_spoke_with      TEXT,
    call_at              INTEGER,
    notes                TEXT NOT NULL DEFAULT '',
    recorded_by          TEXT NOT NULL,             -- the CA administrator's user id (from the session)
    recorded_by_name     TEXT NOT NULL,             -- and their name at the time
    recorded_at          INTEGER NOT NULL,
    validated_until      INTEGER,                   -- validated: the reuse period's end (825 days)
    -- `call_record`: converted below from a verification call recorded before vetting existed (no source).
    origin               TEXT NOT NULL DEFAULT 'vetting'
                         CHECK (origin IN ('vetting', 'call_record', 'development_seed')),
    CHECK (decision <> 'validated' OR validated_until IS NOT NULL),
    CHECK (decision <> 'validated' OR origin <> 'vetting' OR (source_name IS NOT NULL AND source_reference IS NOT NULL
           AND registration_number IS NOT NULL AND call_phone IS NOT NULL AND call_phone_source IS NOT NULL
           AND call_spoke_with IS NOT NULL AND call_at IS NOT NULL)),
    CHECK (decision = 'validated' OR message <> '')
);
CREATE INDEX vettings_organization ON vettings (organization_id, recorded_at);

CREATE TRIGGER vettings_no_update BEFORE UPDATE ON vettings
BEGIN
    SELECT RAISE(ABORT, 'vetting_records_are_kept');
END;

CREATE TRIGGER vettings_no_delete BEFORE DELETE ON vettings
BEGIN
    SELECT RAISE(ABORT, 'vetting_records_are_kept');
END;

-- The applicant's answers to the CA's staff; an answer puts the organization back in the work list.
CREATE TABLE vetting_answers (
    id                TEXT PRIMARY KEY,
    organization_id   TEXT NOT NULL REFERENCES organizations (id),
    account_id        TEXT NOT NULL REFERENCES accounts (id),
    text              TEXT NOT NULL CHECK (text <> ''),
    answered_by       TEXT NOT NULL,
    answered_by_name  TEXT NOT NULL,
    answered_at       INTEGER NOT NULL
);
CREATE INDEX vetting_answers_organization ON vetting_answers (organization_id, answered_at);

CREATE TRIGGER vetting_answers_no_update BEFORE UPDATE ON vetting_answers
BEGIN
    SELECT RAISE(ABORT, 'vetting_records_are_kept');
END;

CREATE TRIGGER vetting_answers_no_delete BEFORE DELETE ON vetting_answers
BEGIN
    SELECT RAISE(ABORT, 'vetting_records_are_kept');
END;

-- The CA administrators' verification calls (validations of method `call`, evidence JSON {phone, spoke_with,
-- notes, recorded_by}) become vetting records; they had no recorded source.
INSERT INTO vettings (id, organization_id, account_id, decision, call_phone, call_spoke_with, call_at, notes,
                      recorded_by, recorded_by_name, recorded_at, validated_until, origin)
SELECT v.id, v.subject, v.account_id, 'validated', v.target, json_extract(v.evidence, '$.spoke_with'), v.validated_at,
       COALESCE(json_extract(v.evidence, '$.notes'), ''), COALESCE(json_extract(v.evidence, '$.recorded_by'), ''),
       COALESCE((SELECT u.name FROM users u WHERE u.id = json_extract(v.evidence, '$.recorded_by')), 'unknown'),
       v.validated_at, v.validated_until, 'call_record'
FROM validations v
WHERE v.kind = 'organization' AND v.method = 'call' AND v.validated_at IS NOT NULL AND v.validated_until IS NOT NULL
  AND EXISTS (SELECT 1 FROM organizations o WHERE o.id = v.subject AND o.account_id = v.account_id);

-- Organizations validated by a code alone (no CA administrator's call) lose their validated status, audited.
INSERT INTO audit_log (at, actor, action, subject_type, subject_id, detail)
SELECT unixepoch(), 'migration 0016', 'organization.validation_withdrawn', 'organization', o.id,
       '{"reason": "validated by an emailed code alone, never vetted by the CA''s staff", "validated_at": '
       || o.validated_at || '}'
FROM organizations o
WHERE o.validated_at IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM vettings t WHERE t.organization_id = o.id AND t.decision = 'validated');

UPDATE organizations SET validated_at = NULL, validated_until = NULL, version = version + 1
WHERE validated_at IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM vettings t WHERE t.organization_id = organizations.id AND t.decision = 'validated');

-- Only a CA-vetted organization is validated: the database refuses a validation whose organization's latest
-- vetting decision is not `validated` (whatever code path tries).
CREATE TRIGGER organizations_validated_by_vetting BEFORE UPDATE OF validated_at ON organizations
WHEN NEW.validated_at IS NOT NULL AND NEW.validated_at IS NOT OLD.validated_at
 AND COALESCE((SELECT decision FROM vettings WHERE organization_id = NEW.id
               ORDER BY recorded_at DESC, rowid DESC LIMIT 1), '') <> 'validated'
BEGIN
    SELECT RAISE(ABORT, 'organization_not_vetted');
END;
