"""archer-rl."""
