-- 0008: IMAP app passwords. A member reads the archive's private lists
-- over IMAP with their address and a password made for the purpose
-- (`praxis member app-password`), shown once and kept here only as an
-- argon2id hash (a PHC string: its parameters and salt travel with it).
-- address_key is the member's as members keep it (AddressKey). A list's
-- removal takes its passwords with it; a member's removal deletes theirs
-- in the same transaction (RemoveMember), and the login query joins
-- members besides, so a password never outlives its membership.
CREATE TABLE app_passwords (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    list_id     INTEGER NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    address_key TEXT NOT NULL,
    hash        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX app_passwords_address ON app_passwords (address_key, id);
CREATE INDEX app_passwords_list ON app_passwords (list_id, address_key);
