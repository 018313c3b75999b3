"""Where events come from: the producer helper, the simulator, replays and PBX adapters."""
