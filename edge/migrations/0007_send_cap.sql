-- The cap on validation emails (and DNS values) per subject, enforced by the database as well as read first
-- (edge/src/domains.rs `check_sends`, which gives the caller when to try again): two concurrent resends that both
-- read four earlier sends cannot both write, since D1 runs each batch as one transaction and this aborts the
-- sixth insert within 24 hours with its whole batch (its email included). The figures are
-- shared::api::domain::SENDS_PER_DAY and shared::validation::DAY_SECONDS; a CA administrator's call record is not
-- a send.
CREATE TRIGGER validations_send_cap BEFORE INSERT ON validations
WHEN NEW.method <> 'call'
 AND (SELECT COUNT(*) FROM validations
      WHERE account_id = NEW.account_id AND kind = NEW.kind AND subject = NEW.subject
        AND created_at > NEW.created_at - 86400) >= 5
BEGIN
    SELECT RAISE(ABORT, 'validation_send_cap');
END;
