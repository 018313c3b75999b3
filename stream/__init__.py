"""Event model, Faust application and the agents that fold events into windows."""
