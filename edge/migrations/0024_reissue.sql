-- Reissue (issue 14.2): a new key for the same order and subject, ending when the certificate it replaces ends,
-- at no charge. A reissue is a new single-use enrollment link for the same recipient that names the certificate it
-- replaces; the certificate issued through it sets `replaced_by` on that one (in the issuing batch, only where it is
-- NULL), and the old one is revoked `superseded` once the new one is picked up, or after the account's grace period.

-- The certificate this link reissues (NULL for an ordinary enrollment link).
ALTER TABLE enrollment_links ADD COLUMN reissue_of TEXT REFERENCES certificates (serial);

-- Days a reissued certificate's predecessor stays valid when the new one is not picked up (0 to 30).
ALTER TABLE accounts ADD COLUMN supersede_grace_days INTEGER NOT NULL DEFAULT 7
    CHECK (supersede_grace_days BETWEEN 0 AND 30);

-- At most one open reissue link per certificate, whatever raced: two reissue requests at once leave one link (the
-- second insert fails its batch). "Open" here is "not spent": an expired or cancelled link is deleted or spent.
CREATE UNIQUE INDEX enrollment_links_one_open_reissue ON enrollment_links (reissue_of)
    WHERE reissue_of IS NOT NULL AND spent_at IS NULL;

-- Migration 0013's guard, kept for ordinary links: an open link for a recipient who has a certificate is refused,
-- unless it is a reissue of that recipient's current certificate (unrevoked, replaced by nothing).
DROP TRIGGER enrollment_links_none_after_issuance;
CREATE TRIGGER enrollment_links_none_after_issuance BEFORE INSERT ON enrollment_links
WHEN NEW.spent_at IS NULL AND EXISTS (SELECT 1 FROM certificates WHERE recipient_id = NEW.recipient_id)
    AND (NEW.reissue_of IS NULL OR NOT EXISTS (
        SELECT 1 FROM certificates WHERE serial = NEW.reissue_of AND recipient_id = NEW.recipient_id
            AND revoked_at IS NULL AND replaced_by IS NULL))
BEGIN
    SELECT RAISE(ABORT, 'recipient_already_issued');
END;

-- A reissued certificate's predecessor is named once: the issuing batch's update matches only a NULL.
CREATE INDEX certificates_replaced_by ON certificates (replaced_by);
