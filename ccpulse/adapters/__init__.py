"""Adapters from other formats (call-centre datasets, PBX logs) to ccpulse events."""
