-- A resend racing an enrollment (issue 15): the resend reads "no certificate yet" and writes a new open link while
-- the enrollment commits the recipient's certificate. The new link would then let the recipient enroll a second
-- time. The database refuses an open link for a recipient who has a certificate, whatever raced; a CSR order's
-- issuance slot (a link created spent, in the certificate's own batch) is not open and passes.
CREATE TRIGGER enrollment_links_none_after_issuance BEFORE INSERT ON enrollment_links
WHEN NEW.spent_at IS NULL AND EXISTS (SELECT 1 FROM certificates WHERE recipient_id = NEW.recipient_id)
BEGIN
    SELECT RAISE(ABORT, 'recipient_already_issued');
END;
