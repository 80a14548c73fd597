"""The naive reference: what a consultant writes instead of a pipeline (pandas + zipfile).

Everything in memory: read_csv, merge, pivot the dimensions, to_csv as UTF-16 with
CRLF; the Customer definitions records mapped with merges and written as XML elements with
string methods; then zip both files. No validation, no rejects. The benchmark runs it as its own
process for the comparison table; it needs the optional `bench` extra (pandas).

Prints {"rows": N, "zip_bytes": N} on stdout.
Usage: python benchmarks/naive.py EXTRACTS_DIR SEEDS_DIR OUT.zip
"""

import json
import sys
import zipfile
from pathlib import Path

import pandas as pd

from loader.package.xml_attribute import ATTRIBUTE_ESCAPES, DECLARATION

ENTRY_NAME = "Customer details V2.csv"
DEFINITIONS_ENTRY_NAME = "CUSTCUSTOMERBASEENTITY.xml"
# Customer definitions field <- column of the extract (or of the mapping done below).
DEFINITIONS_FIELDS = {
    "DATAAREAID": "data_area_id", "CUSTOMERACCOUNT": "CUSTOMERACCOUNT", "NAME": "customer_name",
    "CUSTOMERGROUPID": "group_id", "SALESCURRENCYCODE": "currency_code",
    "PARTYTYPE": "party_type_id", "PERSONFIRSTNAME": "first_name",
    "PERSONMIDDLENAME": "middle_name", "PERSONLASTNAME": "last_name", "NAMEALIAS": "search_name",
    "ADDRESSDESCRIPTION": "address_description", "ADDRESSSTREET": "street",
    "ADDRESSCITY": "city", "ADDRESSZIPCODE": "zip_code", "ADDRESSSTATE": "state",
    "ADDRESSCOUNTY": "county", "ADDRESSCOUNTRYREGIONID": "country_region_id",
    "PRIMARYCONTACTEMAIL": "email", "PRIMARYCONTACTPHONE": "phone", "LANGUAGEID": "language_id",
}  # fmt: skip


# Customer definitions columns that old extracts may lack: read as blank.
OPTIONAL_COLUMNS = ("customer_name", "customer_group", "currency", "party_type", "first_name",
                    "middle_name", "last_name", "search_name", "street", "city", "zip_code",
                    "state", "county", "country", "email", "phone", "language")  # fmt: skip


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def strip(series: pd.Series) -> pd.Series:
    return series.str.strip(" ")


def load_customers(extracts: Path, entities: pd.DataFrame) -> pd.DataFrame:
    customers = read(extracts / "customers.csv")
    customers["company_key"] = strip(customers["company"]).str.upper()
    customers = customers.merge(entities, on="company_key")
    customers["CUSTOMERACCOUNT"] = strip(customers["customer_number"])
    customers = customers[customers["CUSTOMERACCOUNT"] != ""]
    customers["key"] = customers["CUSTOMERACCOUNT"].str.upper()
    customers["bill_to_key"] = strip(customers["bill_to_customer_number"]).str.upper()
    return customers


def invoice_accounts(customers: pd.DataFrame, extracts: Path) -> pd.DataFrame:
    targets = read(extracts / "target_customers.csv").rename(
        columns={"customer_account": "CUSTOMERACCOUNT"}
    )
    accounts = pd.concat(
        [
            customers[["data_area_id", "CUSTOMERACCOUNT"]],
            targets[["data_area_id", "CUSTOMERACCOUNT"]],
        ]
    )
    accounts["bill_to_key"] = accounts["CUSTOMERACCOUNT"].str.upper()
    accounts = accounts.drop_duplicates(["data_area_id", "bill_to_key"])
    return accounts.rename(columns={"CUSTOMERACCOUNT": "INVOICEACCOUNT"})


def dimension_strings(extracts: Path, seeds: Path, entities: pd.DataFrame) -> pd.DataFrame:
    dims = read(extracts / "customer_dimensions.csv")
    dims["dimension"] = strip(dims["dimension"])
    dims["value"] = strip(dims["value"])
    value_map = read(seeds / "dimension_value_map.csv").rename(columns={"value": "mapped"})
    dims = dims.merge(value_map, how="left", left_on=["dimension", "value"],
                      right_on=["dimension", "legacy_value"])  # fmt: skip
    dims["value"] = dims["mapped"].fillna(dims["value"])
    dims = dims.merge(read(seeds / "dimension_format.csv"), on="dimension")
    dims["company_key"] = strip(dims["company"]).str.upper()
    dims = dims.merge(entities, on="company_key")
    dims["key"] = strip(dims["customer_number"]).str.upper()
    wide = dims.pivot_table(
        index=["data_area_id", "key"], columns="position", values="value", aggfunc="first"
    )
    positions = sorted(wide.columns, key=int)
    joined = wide[positions[0]].fillna("")
    for position in positions[1:]:
        joined = joined + "-" + wide[position].fillna("")
    joined = joined.str.rstrip("-")
    return joined.rename("DEFAULTDIMENSIONDISPLAYVALUE").reset_index()


def definitions_xml(customers: pd.DataFrame, seeds: Path) -> str:
    """The Customer definitions data file: one XML element per customer."""
    frame = customers.reindex(columns=[*customers.columns, *OPTIONAL_COLUMNS]).fillna("")
    frame = frame.loc[:, ~frame.columns.duplicated()]
    frame = frame.merge(read(seeds / "legal_entity_defaults.csv"), how="left", on="data_area_id")
    groups = read(seeds / "customer_group_map.csv").rename(
        columns={"legacy_customer_group": "customer_group", "customer_group_id": "mapped_group"}
    )
    frame = frame.merge(groups, how="left", on=["data_area_id", "customer_group"])
    frame["group_id"] = frame["mapped_group"].fillna(frame["customer_group"])
    frame["group_id"] = frame["group_id"].where(frame["group_id"] != "", frame["customer_group_id"])
    frame["currency_code"] = frame["currency"].where(
        frame["currency"] != "", frame["currency_code"]
    )
    frame["language_id"] = frame["language"].where(frame["language"] != "", frame["language_id"])
    countries = read(seeds / "country_map.csv").rename(columns={"legacy_country": "country"})
    frame = frame.merge(countries, how="left", on="country")
    frame["country_region_id"] = frame["country_region_id"].fillna(frame["country"])
    frame["address_description"] = frame["country"].where(frame["country"] == "", "Business")
    is_person = frame["party_type"].str.upper() == "PERSON"
    frame["party_type_id"] = is_person.map({True: "Person", False: "Organization"})
    for column in ("first_name", "middle_name", "last_name"):
        frame[column] = frame[column].where(is_person, "")
    lines = pd.Series("  <CUSTCUSTOMERBASEENTITY", index=frame.index)
    for field, column in DEFINITIONS_FIELDS.items():
        value = frame[column].fillna("")
        for char, reference in ATTRIBUTE_ESCAPES:
            value = value.str.replace(char, reference, regex=False)
        lines = lines + f' {field}="' + value + '"'
    body = "\r\n".join(lines + " />")
    return f"{DECLARATION}<Document>\r\n{body}\r\n</Document>\r\n"


def main(argv: list[str]) -> None:
    extracts, seeds, out = Path(argv[0]), Path(argv[1]), Path(argv[2])
    entities = read(seeds / "legal_entities.csv")
    entities["company_key"] = entities["legacy_company"].str.upper()
    customers = load_customers(extracts, entities)
    result = customers.merge(
        invoice_accounts(customers, extracts), how="left", on=["data_area_id", "bill_to_key"]
    )
    result = result.merge(
        dimension_strings(extracts, seeds, entities), how="left", on=["data_area_id", "key"]
    )
    columns = ["data_area_id", "CUSTOMERACCOUNT", "INVOICEACCOUNT", "DEFAULTDIMENSIONDISPLAYVALUE"]
    result = result[columns].rename(columns={"data_area_id": "DATAAREAID"})
    csv_path = out.with_suffix(".csv")
    result.to_csv(csv_path, index=False, encoding="utf-16", lineterminator="\r\n")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(DEFINITIONS_ENTRY_NAME, definitions_xml(customers, seeds).encode())
        archive.write(csv_path, ENTRY_NAME)
    csv_path.unlink()
    print(json.dumps({"rows": len(result), "zip_bytes": out.stat().st_size}))


if __name__ == "__main__":
    main(sys.argv[1:])
