-- The expiry reminders' nine thresholds (issue 14: 90, 60, 30, 14, 7, 3 and 1 days before, the day of, 7 days
-- after; shared/src/expiry.rs). `certificates.expiry_reminders` now counts the thresholds passed when the last
-- reminder went out. It counted the old two (30 and 7 days before): 30 days is now the third threshold, 7 days the
-- fifth, so a certificate already warned is not warned again for the thresholds it has passed.
UPDATE certificates SET expiry_reminders = CASE expiry_reminders WHEN 1 THEN 3 WHEN 2 THEN 5 ELSE expiry_reminders END,
    version = version + 1
WHERE expiry_reminders IN (1, 2);
