"""Performance benchmark of the migration pipeline: `make bench` (see docs/benchmarks.md)."""
