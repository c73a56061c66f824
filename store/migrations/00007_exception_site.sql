-- An exception no message caused (a lifecycle report, a failed text) names the site and account
-- it is about itself, so the staff queue shows, and filters, it like a message's.
-- +goose Up
ALTER TABLE exceptions ADD COLUMN ods_code TEXT NOT NULL DEFAULT '';
ALTER TABLE exceptions ADD COLUMN account TEXT NOT NULL DEFAULT '';
-- Reports made before: their site's latest report still names them. Failed texts said their
-- account only in the detail, so they stay without one.
UPDATE exceptions SET ods_code = (SELECT r.ods_code FROM mailbox_reports r WHERE r.exception = exceptions.id)
    WHERE message IS NULL AND id IN (SELECT exception FROM mailbox_reports WHERE exception IS NOT NULL);

-- +goose Down
ALTER TABLE exceptions DROP COLUMN account;
ALTER TABLE exceptions DROP COLUMN ods_code;
