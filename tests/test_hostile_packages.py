"""`loader verify` on hostile packages: reported quickly and safely, nothing written anywhere.

Already covered by tests/test_verify.py (not repeated here): a ratio zip bomb, an XML entry
declaring 100 MB, an entry lying about its size, `../evil.csv`, a small entity expansion, a
file that is not a zip. Each case here runs the real `loader verify` in a subprocess with a
timeout (a hang fails the test, it is not a timing assertion), in an empty working folder with
an empty TMPDIR, and checks that both are still empty afterwards.
"""

import struct
import subprocess
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import VENV_BIN, Workspace
from tests.test_verify import DATA, edit_xml, good_package, rewrite, utf16

TIMEOUT = 60  # seconds; every case takes well under one


def verify_safely(ws: Workspace, package: Path, tmp_path: Path) -> list[str]:
    """Run `loader verify PACKAGE` in an empty folder with an empty TMPDIR; its stdout lines."""
    cwd, temp = tmp_path / "cwd", tmp_path / "tmp"
    cwd.mkdir()
    temp.mkdir()
    env = {**ws.env, "TMPDIR": str(temp)}
    proc = subprocess.run(
        [str(VENV_BIN / "loader"), "verify", str(package)],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert not any(": OK (" in line for line in proc.stdout.splitlines())
    assert list(cwd.iterdir()) == [] and list(temp.iterdir()) == []
    return proc.stdout.splitlines()


def assert_line(lines: list[str], package: Path, where: str, what: str) -> None:
    assert any(line.startswith(f"{package}: {where}") and what in line for line in lines), lines


@pytest.fixture
def good(tmp_path: Path) -> Path:
    return good_package(tmp_path / "good")


def rewrite_stored(
    source: Path, target: Path, change: Callable[[dict[str, bytes]], dict[str, bytes]]
) -> Path:
    """As tests.test_verify.rewrite, but stored: no compression ratio gives the entry away."""
    with zipfile.ZipFile(source) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as archive:
        for name, data in change(entries).items():
            archive.writestr(name, data)
    return target


def stored_zip(entries: list[tuple[str, bytes, int | None]]) -> bytes:
    """A zip of stored entries written by hand; an entry may declare a size it does not have
    (in a zip64 extra field, as a 5 GB entry would)."""
    local, central = b"", b""
    for name, data, declared in entries:
        raw_name = name.encode()
        crc = zlib.crc32(data)
        offset = len(local)
        local += struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            45,
            0,
            0,
            0,
            0x21,
            crc,
            len(data),
            len(data),
            len(raw_name),
            0,
        )
        local += raw_name + data
        if declared is None:
            sizes, extra = (len(data), len(data)), b""
        else:
            sizes = (0xFFFFFFFF, 0xFFFFFFFF)
            extra = struct.pack("<HHQQ", 0x0001, 16, declared, len(data))
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            45,
            45,
            0,
            0,
            0,
            0x21,
            crc,
            sizes[1],
            sizes[0],
            len(raw_name),
            len(extra),
            0,
            0,
            0,
            0,
            offset,
        )
        central += raw_name + extra
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(local), 0
    )
    return local + central + end


def package_entries(good: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(good) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# -- zip bombs -------------------------------------------------------------------------------


def test_a_data_entry_declaring_5_gb_is_not_read(
    workspace: Workspace, good: Path, tmp_path: Path
) -> None:
    entries = package_entries(good)
    bomb = tmp_path / "big.zip"
    bomb.write_bytes(
        stored_zip(
            [
                ("Manifest.xml", entries["Manifest.xml"], None),
                ("PackageHeader.xml", entries["PackageHeader.xml"], None),
                (DATA, entries[DATA], 5_000_000_000),
            ]
        )
    )
    lines = verify_safely(workspace, bomb, tmp_path)
    assert_line(lines, bomb, DATA, "declares 5,000,000,000 bytes, over 4,294,967,295: not read")


def test_overlapping_entries_bomb_is_refused_by_its_entry_count(
    workspace: Workspace, good: Path, tmp_path: Path
) -> None:
    """A non-recursive zip bomb: thousands of central-directory entries share one deflate
    stream of 16 MiB of zeros (each 1,000:1); refused before any is decompressed."""
    stream = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = stream.compress(b"\x00" * (16 << 20)) + stream.flush()
    crc = zlib.crc32(b"\x00" * (16 << 20))
    local = struct.pack(
        "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(zeros), 16 << 20, 5, 0
    )
    local += b"x.csv" + zeros
    count = 5000
    names = [f"{i:05d}.csv".encode() for i in range(count)]
    central = b"".join(
        struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            8,
            0,
            0x21,
            crc,
            len(zeros),
            16 << 20,
            len(name),
            0,
            0,
            0,
            0,
            0,
            0,  # every entry starts at the one local header
        )
        + name
        for name in names
    )
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), len(local), 0)
    bomb = tmp_path / "overlap.zip"
    bomb.write_bytes(local + central + end)
    lines = verify_safely(workspace, bomb, tmp_path)
    assert lines == [f"{bomb}: zip: 5000 entries: more than 100"]


# -- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["/etc/evil.csv", "C:\\evil.csv", "..\\evil.csv", "a/../../evil.csv", "\\\\server\\share\\x"],
    ids=["absolute", "drive", "backslash-parent", "nested-parent", "unc"],
)
def test_unsafe_entry_names_are_reported_not_followed(
    workspace: Workspace, good: Path, tmp_path: Path, name: str
) -> None:
    bad = rewrite(good, tmp_path / "bad.zip", lambda e: {**e, name: b"root:x:0:0"})
    lines = verify_safely(workspace, bad, tmp_path)
    assert_line(lines, bad, f"entry {name!r}", "unsafe path (absolute or '..'): not followed")
    assert not (tmp_path / "evil.csv").exists()


# -- XML -------------------------------------------------------------------------------------


def _billion_laughs() -> str:
    levels = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    return f"<!DOCTYPE lolz [{''.join(levels)}]>"


@pytest.mark.parametrize(
    ("doctype", "reference"),
    [
        (_billion_laughs(), "&lol9;"),
        ('<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;"),
        ('<!DOCTYPE d [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>', ""),
        ('<!DOCTYPE d SYSTEM "file:///etc/passwd">', ""),
    ],
    ids=["billion-laughs", "xxe-entity", "xxe-parameter-entity", "external-dtd"],
)
def test_dtds_are_refused_never_expanded_or_followed(
    workspace: Workspace, good: Path, tmp_path: Path, doctype: str, reference: str
) -> None:
    def change(entries: dict[str, bytes]) -> dict[str, bytes]:
        entries = edit_xml(
            "PackageHeader.xml",
            "<DataManagementPackageHeader",
            doctype + "<DataManagementPackageHeader",
        )(entries)
        return edit_xml("PackageHeader.xml", "<Description>", "<Description>" + reference)(entries)

    bad = rewrite(good, tmp_path / "bad.zip", change)
    lines = verify_safely(workspace, bad, tmp_path)
    assert_line(lines, bad, "PackageHeader.xml", "holds a DTD (<!DOCTYPE>): refused, not expanded")
    output = "\n".join(lines)
    assert "root:" not in output and "lol" not in output
    assert len(output) < 2000


@pytest.mark.parametrize("stored", [True, False], ids=["stored", "deflated"])
def test_xml_nested_100000_levels_deep(
    workspace: Workspace, good: Path, tmp_path: Path, stored: bool
) -> None:
    def change(entries: dict[str, bytes]) -> dict[str, bytes]:
        deep = "<Description>" * 100_000 + "</Description>" * 100_000
        text = entries["Manifest.xml"][2:].decode("utf-16-le")
        at = text.index("<Description>")
        return {**entries, "Manifest.xml": utf16(text[:at] + deep + text[at:])}

    bad = (rewrite_stored if stored else rewrite)(good, tmp_path / "deep.zip", change)
    lines = verify_safely(workspace, bad, tmp_path)
    if stored:
        assert_line(
            lines,
            bad,
            "Manifest.xml",
            "DataManagementPackageManifest: elements nested deeper than 32 levels: not read",
        )
    else:  # 2.6 MB of tags deflate too well to be read at all
        assert_line(lines, bad, "Manifest.xml", "looks like a zip bomb: not read")


# -- damaged zips ----------------------------------------------------------------------------


@pytest.mark.parametrize("keep", [0.1, 0.5, 0.99], ids=["10%", "half", "all-but-the-end"])
def test_a_truncated_zip(workspace: Workspace, good: Path, tmp_path: Path, keep: float) -> None:
    data = good.read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: int(len(data) * keep)])
    lines = verify_safely(workspace, cut, tmp_path)
    assert lines == [
        f"{cut}: file: not a zip file (or a damaged one): File is not a zip file: copy the "
        "package again, or export it again"
    ]


def test_a_zip_missing_bytes_in_the_middle(
    workspace: Workspace, good: Path, tmp_path: Path
) -> None:
    """The central directory is intact but the entries it points to are not where it says."""
    data = good.read_bytes()
    holed = tmp_path / "holed.zip"
    holed.write_bytes(data[:200] + data[400:])
    lines = verify_safely(workspace, holed, tmp_path)
    assert_line(lines, holed, "Manifest.xml", "cannot be read")


def test_verify_never_writes_beside_the_package(
    workspace: Workspace, good: Path, tmp_path: Path
) -> None:
    """Even a package that passes leaves its folder as it was."""
    before = sorted(p.name for p in good.parent.iterdir())
    proc = subprocess.run(
        [str(VENV_BIN / "loader"), "verify", str(good)],
        env=workspace.env,
        cwd=good.parent,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 0, proc.stdout
    assert sorted(p.name for p in good.parent.iterdir()) == before
