"""Partition state in Redis: the key layout, its encoding, the fenced writer and the reader."""
