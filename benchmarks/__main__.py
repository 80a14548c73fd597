"""`python -m benchmarks`: run the benchmark (`--report-only` rebuilds docs/benchmarks.md)."""

from benchmarks.harness import main

main()
