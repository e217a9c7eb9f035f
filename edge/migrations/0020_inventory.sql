-- The inventory (issue 14.3) and the sync endpoint (14.4): who picked a certificate up, and what replaced it.
--
-- A pickup is a certificate reaching its holder: the recipient confirming, on the enrollment page, that the bundle
-- was saved ('recipient_confirmed'), or an API key of the ordering account fetching it ('api_key': a download or
-- the sync endpoint). One row per certificate and credential: a repeat confirmation changes nothing, a repeat
-- fetch moves `last_at` and counts, so a cron job every five minutes keeps one row, not a row per run.
CREATE TABLE pickups (
    serial      TEXT NOT NULL REFERENCES certificates (serial),
    kind        TEXT NOT NULL CHECK (kind IN ('recipient_confirmed', 'api_key')),
    -- The API key (`api_keys.id`) for 'api_key'; '' for the recipient's confirmation (part of the key).
    api_key_id  TEXT NOT NULL DEFAULT '' CHECK ((kind = 'api_key') = (api_key_id != '')),
    first_at    INTEGER NOT NULL,
    last_at     INTEGER NOT NULL,
    fetches     INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (serial, kind, api_key_id)
);
CREATE INDEX pickups_latest ON pickups (serial, last_at);

-- The certificate that replaced this one (renewal or reissue). Nothing writes it yet: renewal and reissue are not
-- built. The inventory shows it and the sync endpoint serves a recipient's certificate that nothing replaced.
ALTER TABLE certificates ADD COLUMN replaced_by TEXT REFERENCES certificates (serial);

-- The inventory and the sync endpoint read certificates by recipient.
CREATE INDEX certificates_recipient ON certificates (recipient_id);
