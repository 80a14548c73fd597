"""What failed comes back: F&O's error messages and, per entity, the staging error file and
the target error keys file, saved under import-errors/<package>/ beside the packages."""

import codecs
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

import requests

from loader.errors import LoaderError
from loader.fo_import import blob
from loader.fo_import.api import DmfClient
from loader.fo_import.plan import PlannedPackage

ERRORS_DIR = "import-errors"
KEYS_FILE_POLLS = 60  # GetImportTargetErrorKeysFileUrl answers "" until the file is ready


def bring_back(
    api: DmfClient,
    session: requests.Session,
    package: PlannedPackage,
    execution_id: str,
    poll_interval: float,
    note: Callable[[str], None],
) -> tuple[Path, dict[str, int | None]]:
    """Download what F&O says about EXECUTION_ID; returns the folder and failed records per
    entity label (rows of the staging error file plus rows of the target error keys; None
    when one of them could not be fetched)."""
    folder = package.path.parent / ERRORS_DIR / package.path.stem
    # An earlier execution's files (an import --again, a package exported again under its
    # name) would pass for this one's: the folder holds this execution's only.
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    messages = api.execution_errors(execution_id)
    # F&O's value is a JSON document in a string: kept as sent, only its string wrapping undone.
    raw = messages if isinstance(messages, str) else json.dumps(messages, ensure_ascii=False)
    (folder / "execution-errors.json").write_text(raw + "\n", encoding="utf-8")
    failed: dict[str, int | None] = {}
    for entity in package.entities:
        counts: list[int | None] = []
        url = api.staging_error_file_url(execution_id, entity.label)
        if url:
            counts.append(_save(session, url, folder, f"{entity.label} staging errors", note))
        if api.generate_target_error_keys(execution_id, entity.label):
            url = _keys_file_url(api, execution_id, entity.label, poll_interval)
            if url:
                counts.append(
                    _save(session, url, folder, f"{entity.label} target error keys", note)
                )
            else:
                note(
                    f"  {entity.label}: the target error keys file was not ready after "
                    f"{KEYS_FILE_POLLS} polls; see the job's execution log in F&O"
                )
        # A file that could not be fetched leaves the count unknown, not 0.
        failed[entity.label] = None if None in counts else sum(c or 0 for c in counts)
    return folder, failed


def _keys_file_url(api: DmfClient, execution_id: str, entity: str, poll_interval: float) -> str:
    for _ in range(KEYS_FILE_POLLS):
        url = api.target_error_keys_url(execution_id, entity)
        if url:
            return url
        time.sleep(poll_interval)
    return ""


def _save(
    session: requests.Session, url: str, folder: Path, stem: str, note: Callable[[str], None]
) -> int | None:
    """Download URL as STEM plus the extension of its blob; returns the records it holds,
    None when it could not be fetched.

    A file the blob store refuses (an expired SAS) or cannot give (unreachable) is noted and
    skipped: the package's failure still stands, and the other files are still fetched.
    """
    suffix = Path(unquote(urlsplit(url).path)).suffix.lower() or ".csv"
    target = folder / f"{stem}{suffix}"
    try:
        blob.download(session, url, target)
    except LoaderError as exc:
        note(f"  {exc}")
        return None
    return _records(target) if suffix in (".csv", ".txt") else 0


def _records(path: Path) -> int:
    """Lines after the header line, in UTF-16 (with its BOM) or UTF-8."""
    data = path.read_bytes()
    encoding = "utf-16" if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-8-sig"
    lines = [line for line in data.decode(encoding, errors="replace").splitlines() if line.strip()]
    return max(0, len(lines) - 1)
