-- Keyward schema, third migration: what the profile catalogue needs (shared/src/profile.rs).
-- (0002 is revocation's.)
--
-- orders.profile (0001) holds any ProfileId::as_str(): smime_{mailbox,organization,sponsor}_{strict,multipurpose},
-- client_auth_workstation, server_auth.
--
-- Host names a workstation or server certificate states, as a JSON array of lower-case, fully qualified LDH
-- names (checked by shared::issuance::check_order before they are stored); the first is also the common name.
-- '[]' for S/MIME recipients.
ALTER TABLE recipients ADD COLUMN dns_names TEXT NOT NULL DEFAULT '[]';

-- recipients.given_name and recipients.surname stay NOT NULL (SQLite cannot relax a constraint without
-- rebuilding the table, which other tables reference). An empty string means "none": profiles other than
-- sponsor-validated S/MIME state no personal name, and a person with a single name has no given name. The edge
-- reads '' as None.
