"""Land legacy customer extracts in DuckDB and export F&O Customer details V2 packages."""


def __getattr__(name: str) -> str:
    """`__version__`, read when asked: importing the package stays instant, so the `loader`
    command catches Ctrl-C from its first moment (loader.entry)."""
    if name != "__version__":
        raise AttributeError(f"module 'loader' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("d365-customer-migration")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0.0.0+unknown"
