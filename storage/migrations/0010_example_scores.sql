-- Version 10: the score a claim had when an admin's decision taught an example. Each decision
-- is then also a label at a score ("46 was not about this claim"), from which the matcher
-- fits the claim's own match bar (bot/match/learnt.py). NULL for examples learnt before.

ALTER TABLE claim_examples ADD COLUMN score REAL;
