-- The language of every email to a recipient (issue 14: invitation, certificate issued, reminders), set per recipient
-- by the order (`recipients[i].lang`); the recipients of earlier orders were written to in English.
ALTER TABLE recipients ADD COLUMN lang TEXT NOT NULL DEFAULT 'en' CHECK (lang IN ('en', 'fr'));
