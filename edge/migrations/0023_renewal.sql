-- Automatic renewal (issue 14.1). A renewal order names the order it renews (one renewal per order: the unique
-- index is a second once-only guard beside the renewed order's version), each of its recipients the certificate it
-- renews, and an order's count of renewals left moves down once per renewal (NULL: as ordered, the request's
-- `auto_renewals`).
ALTER TABLE orders ADD COLUMN renewal_of TEXT REFERENCES orders (id);
ALTER TABLE orders ADD COLUMN renewals_left INTEGER CHECK (renewals_left IS NULL OR renewals_left >= 0);
CREATE UNIQUE INDEX orders_renewal_of ON orders (renewal_of) WHERE renewal_of IS NOT NULL;
ALTER TABLE recipients ADD COLUMN renews_serial TEXT REFERENCES certificates (serial);
