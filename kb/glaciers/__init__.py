"""Knowledge-glacier compaction internals: plain, deterministic functions over plain values.

- items.py    what is read from a Document (the metadata keys live there, in one place)
- text.py     sentences, TF-IDF, TextRank, near-duplicate groups
- topics.py   topic derivation (folders, OWNERS areas, labels, text similarity)
- pages.py    one page's content from its items; rendering; metrics
- diff.py     readable diffs between revisions

None of these touch the database: kb/services/glaciers.py reads, calls them and writes.
"""
