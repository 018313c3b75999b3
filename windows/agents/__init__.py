"""Agents: who is logged in to which queue, and who is paused."""
