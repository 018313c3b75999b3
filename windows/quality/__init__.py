"""The quality domain: reviews of contacts against weighted criteria (internal quality
score)."""
