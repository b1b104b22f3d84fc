"""Matching quality on the labelled dev stories (`python bench/matching.py`), in small modules.

corpus    the stories on disk (never copied into the repo), date order
modes     how a feed carries an article: full text, title + ~300-char summary (page: branch `article`)
predict   Dossier and the two baselines (naive rapidfuzz, MiniLM + gate), one interface
metrics   topic / claim P/R/F1 and distinct changes found
replay    the story followed as a server follows it: `dossier run --once` per snapshot
learning  the review-learning simulation (an admin deciding from the labels)
report    the printed table and the `--json` figures
"""
