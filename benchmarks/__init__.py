"""Benchmarks (`make bench`): each figure beside its reference, measured in the same run on the same input."""
