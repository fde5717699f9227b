"""The document model: what each file of a repository is (genre, lifecycle, language, decision,
sections, links), computed once per content hash at ingest and read by every feature."""
