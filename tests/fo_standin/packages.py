"""What F&O reads of an uploaded package: the manifest's entities and their rows.

Rows are counted per data file the manifest names, so one package may hold one entity or
several. A package F&O would refuse is refused here with F&O's words.
"""

import io
import zipfile
from dataclasses import dataclass, field

from defusedxml import ElementTree

NS = "{http://schemas.microsoft.com/dynamics/2015/01/DataManagement}"


class PackageRefusedError(Exception):
    """ImportFromPackage itself fails (F&O answers an error, no execution starts)."""


@dataclass
class EntityData:
    label: str
    rows: int
    keys: list[str] = field(default_factory=list)  # first column of each row


@dataclass
class ReadPackage:
    entities: list[EntityData]
    errors: list[str]  # what makes the execution fail (not the call)


def read_package(data: bytes) -> ReadPackage:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise PackageRefusedError("The package is not a valid zip file") from None
    names = set(archive.namelist())
    if "PackageHeader.xml" not in names:
        raise PackageRefusedError("Could not find file 'PackageHeader.xml'")
    if "Manifest.xml" not in names:
        raise PackageRefusedError("Could not find file 'Manifest.xml'")
    manifest = ElementTree.fromstring(archive.read("Manifest.xml").decode("utf-16"))
    entities: list[EntityData] = []
    errors: list[str] = []
    for item in manifest.iter(f"{NS}DataManagementPackageEntityData"):
        label = item.findtext(f"{NS}EntityName") or ""
        maps = item.find(f"{NS}EntityMapList")
        if maps is None or not list(maps):
            continue  # no field map: the entity is not registered, nothing is imported
        path = item.findtext(f"{NS}InputFilePath") or ""
        source_format = item.findtext(f"{NS}SourceFormat") or ""
        if path not in names:
            errors.append(f"{label}: file {path} not found in the package")
            continue
        try:
            entities.append(_count(label, archive.read(path), source_format))
        except ValueError as exc:
            errors.append(f"{label}: {exc}")
    return ReadPackage(entities, errors)


def _count(label: str, data: bytes, source_format: str) -> EntityData:
    if source_format == "XML-Attribute":
        root = ElementTree.fromstring(data)
        keys = [next(iter(e.attrib.values()), "") for e in root]
        return EntityData(label, len(keys), keys)
    if not data.startswith(b"\xff\xfe"):
        raise ValueError("Selected file is not Unicode")
    text = data[2:].decode("utf-16-le")
    if "\n" in text.replace("\r\n", ""):
        raise ValueError("The mapping between the source and the staging is incorrect")
    lines = [line for line in text.split("\r\n") if line]
    keys = [line.split(",", 1)[0] for line in lines[1:]]
    return EntityData(label, len(keys), keys)
