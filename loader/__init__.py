"""Land legacy customer extracts in DuckDB and export F&O Customer details V2 packages."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("d365-customer-migration")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"
