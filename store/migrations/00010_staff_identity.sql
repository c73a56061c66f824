-- The staff desk's sign-in stands up to attack (issue 13):
-- * a staff member who signs in by OpenID Connect is bound, at the first sign-in, to the
--   provider's issuer and subject; a later token with the same email but another subject is
--   refused, so a provider account that merely claims the address cannot take the staff account;
-- * a session keeps the role it was started with, and counts only while the staff member still
--   has that role, so a change of role ends it on its next request. Sessions from before this
--   migration have no role and end: everyone signs in once more.
-- +goose Up
ALTER TABLE staff ADD COLUMN oidc_issuer TEXT NOT NULL DEFAULT '';
ALTER TABLE staff ADD COLUMN oidc_subject TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX staff_oidc_identity ON staff (oidc_issuer, oidc_subject) WHERE oidc_subject <> '';
ALTER TABLE staff_sessions ADD COLUMN role TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE staff_sessions DROP COLUMN role;
DROP INDEX staff_oidc_identity;
ALTER TABLE staff DROP COLUMN oidc_subject;
ALTER TABLE staff DROP COLUMN oidc_issuer;
