"""The naive reference: what a consultant writes instead of a pipeline (pandas + zipfile).

Everything in memory: read_csv, merge, pivot the dimensions, to_csv as UTF-16 with
CRLF, then zip the file. No validation, no rejects. The benchmark runs it as its own
process for the comparison table; it needs the optional `bench` extra (pandas).

Prints {"rows": N, "zip_bytes": N} on stdout.
Usage: python benchmarks/naive.py EXTRACTS_DIR SEEDS_DIR OUT.zip
"""

import json
import sys
import zipfile
from pathlib import Path

import pandas as pd

ENTRY_NAME = "Customer details V2.csv"


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
        archive.write(csv_path, ENTRY_NAME)
    csv_path.unlink()
    print(json.dumps({"rows": len(result), "zip_bytes": out.stat().st_size}))


if __name__ == "__main__":
    main(sys.argv[1:])
