-- Only proven mail claims its Message-ID and its DKIM signatures (docs/spec/verification.md,
-- "Replays"): a forged copy never makes the genuine message a duplicate, and the genuine one
-- sent again is one, whatever headers were added to it.
-- +goose Up
ALTER TABLE messages ADD COLUMN proven INTEGER NOT NULL DEFAULT 0;
-- Decided before: processed and unparseable mail had been proven (refused mail is unverified).
UPDATE messages SET proven = 1 WHERE state = 'done' AND verdict IN ('processed', 'unparseable');
-- One message a signature: a second proven message with it fails the insert, and is decided
-- again as the duplicate it is (two replicas deciding two copies at once included).
CREATE TABLE signatures (
    signature TEXT PRIMARY KEY,
    message   BIGINT NOT NULL REFERENCES messages (id)
);

-- +goose Down
DROP TABLE signatures;
ALTER TABLE messages DROP COLUMN proven;
