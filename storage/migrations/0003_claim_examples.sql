-- Version 3: what admins taught the matcher through the review queue. An accepted proposal
-- adds its evidence as a positive example of the claim (another wording of it); "not related"
-- adds a negative example. Removing an example (undo) deletes the row; the audit log keeps
-- who taught and who removed what.

CREATE TABLE claim_examples (
    id              INTEGER PRIMARY KEY,
    claim_id        INTEGER NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('positive', 'negative')),
    text            TEXT NOT NULL,
    proposal_id     INTEGER REFERENCES proposals(id) ON DELETE SET NULL,
    article_id      INTEGER REFERENCES articles(id) ON DELETE SET NULL,
    actor           TEXT NOT NULL,                       -- admin:<user id>
    created_at      TEXT NOT NULL,
    UNIQUE (claim_id, kind, text)
);
CREATE INDEX claim_examples_by_claim ON claim_examples(claim_id, id);
