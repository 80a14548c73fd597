"""Azurite's blob service on a free loopback port, and SAS URLs signed for it."""

import socket
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from azure.storage.blob import BlobSasPermissions, BlobServiceClient, generate_blob_sas

from tests.conftest import PROJECT_DIR

AZURITE = PROJECT_DIR / "build" / "azurite" / "node_modules" / ".bin" / "azurite-blob"
# Azurite's documented development account (the same in every installation).
ACCOUNT = "devstoreaccount1"
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
START_SECONDS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Azurite:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/{ACCOUNT}"

    def service(self) -> BlobServiceClient:
        return BlobServiceClient.from_connection_string(
            "DefaultEndpointsProtocol=http;"
            f"AccountName={ACCOUNT};AccountKey={ACCOUNT_KEY};BlobEndpoint={self.endpoint};"
        )

    def sas_url(
        self, container: str, blob: str, *, write: bool, expired: bool = False
    ) -> tuple[str, str]:
        """A blob URL with a SAS (create and write, or read; EXPIRED an hour ago), and its
        signature."""
        permission = BlobSasPermissions(read=True, create=write, write=write)
        token = generate_blob_sas(
            ACCOUNT,
            container,
            blob,
            account_key=ACCOUNT_KEY,
            permission=permission,
            expiry=datetime.now(UTC) + timedelta(hours=-1 if expired else 1),
        )
        signature = next(p.split("=", 1)[1] for p in token.split("&") if p.startswith("sig="))
        return f"{self.endpoint}/{container}/{blob}?{token}", signature

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def start_azurite(workdir: Path) -> Azurite:
    if not AZURITE.exists():
        raise RuntimeError(
            f"{AZURITE} is missing: `make azurite` (part of `make test`) installs it"
        )
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            str(AZURITE),
            "--blobHost",
            "127.0.0.1",
            "--blobPort",
            str(port),
            "--inMemoryPersistence",
            "--extentMemoryLimit",
            "256",
            "--skipApiVersionCheck",
            "--disableTelemetry",
            "--silent",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=workdir,
    )
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Azurite exited with {process.returncode} before listening")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return Azurite(process, port)
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"Azurite did not listen on 127.0.0.1:{port} within {START_SECONDS} s")
