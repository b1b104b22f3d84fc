-- Version 9: the semantic scorer's embeddings of claim wordings (statements, aliases, clauses,
-- learnt examples and "not related" examples), kept across restarts. Without them every process
-- start re-embeds every wording (51 wordings, ~0.35 s CPU on the dev topics, at each
-- `dossier run --once`). Keyed by the model (weights sha256 and token limit) and the text
-- itself: an edited wording, a new alias or another model simply finds no row.

CREATE TABLE wording_vectors (
    model       TEXT NOT NULL,  -- bot.match.semantic.Embedder.model_key
    text        TEXT NOT NULL,
    vector      BLOB NOT NULL,  -- float32, little-endian, unit length
    stored_at   TEXT NOT NULL,
    PRIMARY KEY (model, text)
) WITHOUT ROWID;
