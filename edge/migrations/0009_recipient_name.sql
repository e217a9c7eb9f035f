-- How the order names a recipient (`name` on the form, else given name and surname, else the address:
-- shared::order::recipient_common_name): the order page shows it and emails greet with it. Rows from before
-- this column read '' and fall back to the given name and surname, else the address.
ALTER TABLE recipients ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
