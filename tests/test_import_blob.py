"""Error files fetched back from the blob store (loader.fo_import.blob) over a real local HTTP
server: a download that breaks off leaves nothing half-written beside the others."""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from loader.errors import LoaderError
from loader.fo_import import blob
from loader.fo_import.errors import UnreachableError

BODY = b"Key,Error\r\nC1,bad\r\n"


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        if self.path == "/broken.csv":  # promises more than it sends, then hangs up
            self.send_header("Content-Length", str(len(BODY) * 100))
            self.end_headers()
            self.wfile.write(BODY)
            self.wfile.flush()
            self.close_connection = True
            return
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_whole_file_is_saved(server: str, tmp_path: Path) -> None:
    target = tmp_path / "staging errors.csv"
    assert blob.download(requests.Session(), f"{server}/whole.csv", target) == len(BODY)
    assert target.read_bytes() == BODY
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_a_download_that_breaks_off_leaves_nothing_and_says_to_rerun(
    server: str, tmp_path: Path
) -> None:
    target = tmp_path / "staging errors.csv"
    with pytest.raises(UnreachableError) as raised:
        blob.download(requests.Session(), f"{server}/broken.csv", target)
    message = str(raised.value)
    assert message.startswith("download of staging errors.csv broke off after ")
    assert message.endswith("run the import again to fetch it")
    assert list(tmp_path.iterdir()) == []


def test_a_file_over_the_limit_leaves_nothing(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(blob, "MAX_DOWNLOAD", 4)  # the real limit is 512 MB
    target = tmp_path / "staging errors.csv"
    with pytest.raises(LoaderError, match="larger than 4 bytes"):
        blob.download(requests.Session(), f"{server}/whole.csv", target)
    assert list(tmp_path.iterdir()) == []
