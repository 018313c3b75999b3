"""Contacts that wait in a queue for an agent: the lifecycle shared by voice and chat."""
