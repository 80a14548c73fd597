"""The blob leg: the package PUT to the SAS URL F&O hands out, error files fetched back."""

from pathlib import Path

import requests

from loader.errors import LoaderError
from loader.fo_import import transport

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
        size = 0
        with partial.open("wb") as out:
            for chunk in response.iter_content(1024 * 1024):
                size += len(chunk)
                if size > MAX_DOWNLOAD:
                    raise LoaderError(
                        f"download of {target.name}: larger than {MAX_DOWNLOAD} bytes"
                    )
                out.write(chunk)
        partial.replace(target)
    return size
