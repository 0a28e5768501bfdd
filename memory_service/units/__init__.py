"""Recall units: active observations, segments and summaries, as recall and the index see them.

One owner for what a unit is: their vectors (repository.py, read by index/ and recall/), their
text search (BM25 in SQL, repository.py) and the change feed that tells every index a
customer's units changed (changes.py, written by every writer, read by index/sync.py).
"""
