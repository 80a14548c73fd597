"""The blob leg: the package PUT to the SAS URL F&O hands out, error files fetched back."""

from pathlib import Path

import requests

from loader.errors import LoaderError
from loader.failures import first_line
from loader.fo_import import transport
from loader.fo_import.errors import UnreachableError

UPLOAD_TIMEOUT = (10.0, 600.0)  # a 256 MB package on a slow line
MAX_DOWNLOAD = 512 * 1024 * 1024  # an error file bigger than this is not a plausible one


def upload(session: requests.Session, url: str, package: Path) -> None:
    transport.safe_url(url, "the blob URL from GetAzureWriteUrl")
    response = transport.call(
        session,
        "PUT",
        url,
        what=f"upload of {package.name}",
        headers={"x-ms-blob-type": "BlockBlob", "Content-Type": "application/zip"},
        data=package.read_bytes(),
        timeout=UPLOAD_TIMEOUT,
    )
    if response.status_code != 201:
        raise LoaderError(
            f"upload of {package.name}: the blob store answered HTTP {response.status_code} "
            f"({transport.error_message(response)}); a SAS that expired is renewed by a rerun"
        )


def download(session: requests.Session, url: str, target: Path) -> int:
    """Save the file at URL as TARGET (written whole, then renamed); returns its size."""
    transport.safe_url(url, "an error file URL")
    response = transport.call(session, "GET", url, what=f"download of {target.name}", stream=True)
    with response:
        if response.status_code != 200:
            raise LoaderError(
                f"download of {target.name}: HTTP {response.status_code} "
                f"({transport.error_message(response)})"
            )
        partial = target.with_name(f".{target.name}.partial")
        try:
            size = _save(response, partial, target.name)
        except BaseException:
            partial.unlink(missing_ok=True)  # nothing half-written is left beside the others
            raise
        partial.replace(target)
    return size


def _save(response: requests.Response, partial: Path, name: str) -> int:
    """Write RESPONSE's body to PARTIAL; its size."""
    size = 0
    with partial.open("wb") as out:
        try:
            for chunk in response.iter_content(1024 * 1024):
                size += len(chunk)
                if size > MAX_DOWNLOAD:
                    raise LoaderError(f"download of {name}: larger than {MAX_DOWNLOAD} bytes")
                out.write(chunk)
        except requests.RequestException as exc:  # the connection broke off mid-file
            raise UnreachableError(
                f"download of {name} broke off after {size:,} bytes ({first_line(exc)}): "
                "run the import again to fetch it"
            ) from exc
    return size
