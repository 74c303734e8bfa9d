"""Shared pieces of the benchmarks in bench/: servers under test, load generators, statistics, reports."""
