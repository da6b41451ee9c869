"""Experiments on the model: runners, validation against the case, benchmarks."""
