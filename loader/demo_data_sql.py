"""Build the demo extracts as DuckDB tables, all rows at once, from a seed.

Randomness is `hash(seed, salt, row id)`: a pure function, so the same seed gives the
same rows whatever the thread count, and no Python code runs per row. The tables built
here, in order: `base` (ordinary customers), `assigned` (ordinary customers picked to carry
a problem), `customers_all`, `dimensions_all` and `targets`; the `plant` column of the last
ones names the problem a row carries and is not written to the files.
"""

import unicodedata
from collections.abc import Callable, Sequence
from typing import TypeVar

import duckdb

from loader.database import sql_literal
from loader.demo_data_plan import (
    CUSTOMER_VARIANTS,
    DEPARTMENT_LEGACY_CODES,
    DIMENSION_VARIANTS,
    DIMENSIONS_PRESENT,
    PROBLEM_KINDS,
    TARGET_ACCOUNTS,
    TARGET_ENTITIES,
    VOCABULARIES,
    added_rows,
)
from loader.demo_data_profiles import (
    COUNTRY_ONLY_PERCENT,
    EMAIL_PERCENT,
    NO_ADDRESS_PERCENT,
    ORGANISATION_EMAIL_DOMAIN,
    PERSON_EMAIL_DOMAINS,
    PERSON_PERCENT,
    PHONE_PERCENT,
    PROFILES,
    SEARCH_NAME_LENGTH,
    SEARCH_NAME_PERCENT,
    STREET_ADDITION_PERCENT,
    STREET_BUILDING_PERCENT,
    STREET_LINE_PERCENT,
    Profile,
)
from loader.extracts import EXTRACTS

# The Customer definitions columns of customers.csv, after the name, in the contract's order.
_CUSTOMER_SPEC = next(spec for spec in EXTRACTS if spec.table == "customers")
DEFINITION_COLUMNS = tuple(c for c in _CUSTOMER_SPEC.optional if c != "customer_name")
# Every column a customer row carries beyond company and number.
CUSTOMER_COLUMNS = ("bill_to", "customer_name", *DEFINITION_COLUMNS)
_PLANTED_KINDS = tuple(CUSTOMER_VARIANTS)
_Words = TypeVar("_Words")

# One ordinary customer in PAYER_EVERY is a group head office that others invoice to.
PAYER_EVERY = 40


def _sql_value(value: str | None) -> str:
    return "NULL" if value is None else sql_literal(value)


def _sql_list(items: Sequence[str]) -> str:
    return "[" + ", ".join(sql_literal(item) for item in items) + "]"


def _pick(items: Sequence[str], salt: str, i: str = "i", draw: str = "rnd") -> str:
    """SQL choosing one of `items` by the hash of SQL expressions `salt` and `i`.

    The list is a literal with its length spelled out: `len()` of a list is evaluated
    per row and makes a million-row run several times slower.
    """
    return f"{_sql_list(items)}[1 + ({draw}({salt}, {i}) % {len(items)})::BIGINT]"


def _choose(items: Sequence[str], salt: str, i: str = "i") -> str:
    """`_pick` with `draw`, whose choices are independent of each other."""
    return _pick(items, salt, i, draw="draw")


def _weighted(choices: Sequence[tuple[str | None, int]], salt: str, i: str = "i") -> str:
    """SQL choosing one of `choices` (value, percent; the percents add up to 100) by `dpct`."""
    branches, bound = [], 0
    for value, percent in choices[:-1]:
        bound += percent
        branches.append(f"WHEN dpct({salt}, {i}) < {bound} THEN {_sql_value(value)}")
    return f"CASE {' '.join(branches)} ELSE {_sql_value(choices[-1][0])} END"


def _by_company(words: dict[str, _Words], sql: Callable[[_Words], str]) -> str:
    """SQL with one branch per company: `sql` of that company's words."""
    branches = " ".join(
        f"WHEN {sql_literal(company)} THEN {sql(w)}" for company, w in words.items()
    )
    return f"CASE company {branches} END"


def _per_company(field: str, salt: str) -> str:
    """SQL choosing a word of vocabulary `field` of the row's `company`."""
    return _by_company(VOCABULARIES, lambda vocab: _pick(getattr(vocab, field), salt))


def _per_company_text(field: str) -> str:
    """SQL for text `field` of the vocabulary of the row's `company`."""
    return _by_company(VOCABULARIES, lambda vocab: sql_literal(getattr(vocab, field)))


def _by_profile(sql: Callable[[Profile], str]) -> str:
    return _by_company(PROFILES, sql)


def _macros() -> str:
    return f"""
CREATE MACRO rnd(salt, i) AS hash(getvariable('seed'), salt, i);
CREATE MACRO pct(salt, i) AS (rnd(salt, i) % 100)::INTEGER;
-- Account formats: letters in US01 and GB01, bare numbers with leading zeros in DE01.
CREATE MACRO account(company, num) AS CASE company
    WHEN 'DE01' THEN printf('%06d', num)
    WHEN 'GB01' THEN 'GB' || printf('%05d', num)
    WHEN 'ZZ99' THEN 'Z' || printf('%05d', num)
    ELSE 'C' || printf('%06d', num) END;
CREATE MACRO surname(company, salt, i) AS {_per_company("surnames", "salt")};
CREATE MACRO trade(company, i) AS {_per_company("trades", "'trade'")};
CREATE MACRO legal_form(company, i) AS {_per_company("legal_forms", "'form'")};
CREATE MACRO partners(company) AS {_per_company_text("partners")};
CREATE MACRO attention(company) AS {_per_company_text("attention")};
-- Mostly "Surname Trade Form"; some with a comma or quotes, to exercise CSV quoting.
CREATE MACRO company_name(company, i) AS CASE
    WHEN pct('template', i) < 70
        THEN surname(company, 's1', i) || ' ' || trade(company, i) || ' ' || legal_form(company, i)
    WHEN pct('template', i) < 82
        THEN surname(company, 's1', i) || ' & ' || surname(company, 's2', i) || ' '
             || legal_form(company, i)
    WHEN pct('template', i) < 92
        THEN surname(company, 's1', i) || ', ' || surname(company, 's2', i) || ' & '
             || partners(company)
    WHEN pct('template', i) < 97
        THEN trade(company, i) || ' ' || legal_form(company, i) || ' ('
             || surname(company, 's1', i) || ')'
    ELSE 'The "' || surname(company, 's1', i) || '" ' || trade(company, i) || ' Company' END;
-- Department mostly holds legacy codes that the value map translates.
CREATE MACRO dimension_value(dimension, i) AS CASE dimension
    WHEN 'BusinessUnit' THEN printf('%03d', 1 + rnd('bu', i) % 5)
    WHEN 'CostCenter' THEN printf('%04d', 101 + rnd('cc', i) % 10)
    WHEN 'Department' THEN CASE WHEN pct('dept_legacy', i) < 85
        THEN {_pick(DEPARTMENT_LEGACY_CODES, "'dept'")}
        ELSE printf('%03d', 22 + rnd('dept', i) % 5) END END;
CREATE MACRO target_account(i) AS {_pick(TARGET_ACCOUNTS, "'target'")};
"""


def _street(profile: Profile) -> str:
    """SQL for an ordinary street of `profile`'s country, some with a decoration."""
    number = f"(1 + draw('house', i) % {profile.max_house_number})::VARCHAR"
    name = _choose(profile.streets, "'street'")
    if profile.number_first:
        plain = f"{number} || ' ' || {name}"
    else:
        plain = f"{name} || ' ' || {number} || CASE WHEN dpct('house_letter', i) < 8 THEN 'a' ELSE '' END"
    return f"""CASE
        WHEN dpct('street_extra', i) < {STREET_ADDITION_PERCENT}
            THEN {plain} || ', ' || {_choose(profile.street_additions, "'street_addition'")}
        WHEN dpct('street_extra', i) < {STREET_LINE_PERCENT}
            THEN {_choose(profile.street_lines, "'street_line'")} || chr(10) || {plain}
        WHEN dpct('street_extra', i) < {STREET_BUILDING_PERCENT}
            THEN {_choose(profile.street_buildings, "'street_building'")} || ', ' || {plain}
        ELSE {plain} END"""


def _home_currency(profile: Profile) -> str:
    """Mostly the legal entity's own currency, some blank (the default applies), a few foreign."""
    return f"""CASE WHEN dpct('currency', i) < 80 THEN {sql_literal(profile.currency)}
        WHEN dpct('currency', i) < 95 THEN NULL
        ELSE {_choose(profile.foreign_currencies, "'foreign_currency'")} END"""


def _home_language(profile: Profile) -> str:
    return f"""CASE WHEN dpct('language', i) < 60 THEN NULL
        WHEN dpct('language', i) < 95 THEN {sql_literal(profile.language)}
        ELSE {_choose(profile.other_languages, "'other_language'")} END"""


def _ascii_slug(text: str, keep: str = "") -> str:
    """Lower-case ASCII of `text` for an email address: accents dropped, other characters
    but `keep` removed."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ß", "ss").lower())
    return "".join(c for c in decomposed if c.isascii() and (c.isalnum() or c in keep))


def _pick_pair(
    firsts: Sequence[str],
    seconds: Sequence[str],
    draws: tuple[str, str],
    join: Callable[[str, str], str],
) -> str:
    """SQL for `join(first, second)` of the words that the random SQL `draws` choose, as
    `_pick` and `_choose` do.

    Every combination is one literal list, computed here: a text function per row
    (upper, strip_accents, a regular expression) costs more than the whole record.
    """
    combined = [join(first, second) for first in firsts for second in seconds]
    first_no = f"({draws[0]} % {len(firsts)})::BIGINT"
    second_no = f"({draws[1]} % {len(seconds)})::BIGINT"
    return f"{_sql_list(combined)}[1 + {first_no} * {len(seconds)} + {second_no}]"


def _search_name(surname: str, other: str) -> str:
    """Surname and trade (or first name) in upper case, cut to what NAMEALIAS holds."""
    return f"{surname} {other}".upper()[:SEARCH_NAME_LENGTH].rstrip()


def _organisation_domain(surname: str, trade: str) -> str:
    return f"{_ascii_slug(surname)}-{_ascii_slug(trade)}.{ORGANISATION_EMAIL_DOMAIN}"


def _person_mailbox(first_name: str, surname: str) -> str:
    return _ascii_slug(first_name) + "." + _ascii_slug(surname, keep="'")


def _definition_macros() -> str:
    """Macros for the Customer definitions columns: all of a company's words, by `company`.

    The surname and trade salts are those of `company_name`, so that a person's last name,
    search names and email domains repeat the words of the customer's name.
    """
    words = {c: (VOCABULARIES[c], profile) for c, profile in PROFILES.items()}
    org = ("rnd('s1', i)", "rnd('trade', i)")
    person = ("rnd('s1', i)", "draw('first', i)")
    org_search = _by_company(
        words, lambda w: _pick_pair(w[0].surnames, w[0].trades, org, _search_name)
    )
    person_search = _by_company(
        words, lambda w: _pick_pair(w[0].surnames, w[1].first_names, person, _search_name)
    )
    org_domain = _by_company(
        words, lambda w: _pick_pair(w[0].surnames, w[0].trades, org, _organisation_domain)
    )
    mailbox = _by_company(
        words,
        lambda w: _pick_pair(
            w[0].surnames, w[1].first_names, person, lambda s, f: _person_mailbox(f, s)
        ),
    )
    return f"""
-- The Customer definitions columns draw with `draw`: rnd's low bits follow its row id
-- whatever the salt (rnd('a', i) % 4 = rnd('b', i) % 4 for every i), so two choices
-- from rnd are not independent; rehashing mixes every bit.
CREATE MACRO draw(salt, i) AS hash(rnd(salt, i));
CREATE MACRO dpct(salt, i) AS (draw(salt, i) % 100)::INTEGER;
CREATE MACRO first_name(company, salt, i) AS {_by_profile(lambda p: _choose(p.first_names, "salt"))};
CREATE MACRO legacy_group(company, i) AS {_by_profile(lambda p: _weighted(p.groups, "'group'"))};
CREATE MACRO home_country(company, i) AS {_by_profile(lambda p: _weighted(p.countries, "'country'"))};
CREATE MACRO home_currency(company, i) AS {_by_profile(_home_currency)};
CREATE MACRO home_language(company, i) AS {_by_profile(_home_language)};
CREATE MACRO home_street(company, i) AS {_by_profile(_street)};
CREATE MACRO email_local(company, i) AS {_by_profile(lambda p: _choose(p.email_locals, "'email_local'"))};
CREATE MACRO organisation_search_name(company, i) AS {org_search};
CREATE MACRO person_search_name(company, i) AS {person_search};
CREATE MACRO organisation_domain(company, i) AS {org_domain};
CREATE MACRO person_mailbox(company, i) AS {mailbox};
CREATE MACRO random_digits(salt, i, n) AS CASE WHEN n = 0 THEN ''
    ELSE lpad((draw(salt, i) % (10 ** n)::UBIGINT)::VARCHAR, n, '0') END;
CREATE MACRO random_letter(salt, i) AS {_choose("ABDEFGHJLNPQRSTUWXYZ", "salt")};
"""


def build_tables(con: duckdb.DuckDBPyConnection, *, customers: int, seed: int) -> None:
    """Create every table of the demo extracts in `con` (an empty in-memory database)."""
    _set_up(con, customers=customers, seed=seed)
    _load_plan(con, customers)
    _load_profiles(con)
    _build_base(con)
    _assign_problems(con)
    _build_customers(con)
    _build_dimensions(con)
    _build_targets(con)
    # Only the final tables are read from here on: the steps' tables would hold memory
    # through the sorted copies to CSV.
    for table in (
        "base", "ordinary_bill_to", "planted_bill_to", "dimensions_ordinary",
        "dimensions_planted", "dimensions_orphan",
    ):  # fmt: skip
        con.execute(f"DROP TABLE {table}")


def _set_up(con: duckdb.DuckDBPyConnection, *, customers: int, seed: int) -> None:
    # The seed is hashed as text so that any Python int works, however large.
    con.execute("SET VARIABLE seed = ?", [str(seed)])
    con.execute("SET VARIABLE n_base = ?", [customers - added_rows(customers)])
    con.execute(_macros())
    con.execute(_definition_macros())


def _load_plan(con: duckdb.DuckDBPyConnection, customers: int) -> None:
    con.execute(
        "CREATE TABLE kinds (kind_no INTEGER, kind VARCHAR, source VARCHAR, members INTEGER,"
        " companies VARCHAR[], instances BIGINT)"
    )
    con.executemany(
        "INSERT INTO kinds VALUES (?, ?, ?, ?, ?, ?)",
        [
            [no, k.name, k.source, k.members, list(k.companies), k.count(customers)]
            for no, k in enumerate(PROBLEM_KINDS)
        ],
    )
    con.execute(
        "CREATE TABLE dim_variants (kind VARCHAR, variant_no INTEGER, variants INTEGER,"
        " dimension VARCHAR, value VARCHAR, second_value VARCHAR)"
    )
    con.executemany(
        "INSERT INTO dim_variants VALUES (?, ?, ?, ?, ?, ?)",
        [
            [kind, no, len(variants), *variant]
            for kind, variants in DIMENSION_VARIANTS.items()
            for no, variant in enumerate(variants)
        ],
    )
    con.execute("CREATE TABLE presence (pos INTEGER, dimension VARCHAR, percent INTEGER)")
    con.executemany("INSERT INTO presence VALUES (?, ?, ?)", [list(d) for d in DIMENSIONS_PRESENT])
    # Instances take the kind's companies in turn, each kind starting at a different one,
    # so that small runs spread their problems over all companies.
    con.execute("""
        CREATE TABLE slots AS
        SELECT kind_no, kind, source, members, slot,
               companies[1 + ((slot + kind_no) % len(companies))::BIGINT] AS company
        FROM (SELECT *, unnest(range(instances)) AS slot FROM kinds)
    """)
    # Records that are not ordinary customers take the row ids after them.
    con.execute("""
        CREATE TABLE extra_rows AS
        SELECT kind, source, slot, company, members,
               getvariable('n_base') + row_number() OVER (ORDER BY kind_no, slot) - 1 AS rid
        FROM slots WHERE source IN ('added', 'copied')
    """)


def _load_profiles(con: duckdb.DuckDBPyConnection) -> None:
    """The places of every company, 100 slots each (a place takes `weight` of them), their
    streets and names, and the values each Customer definitions variant writes."""
    con.execute("""
        CREATE TABLE places (company VARCHAR, place_no INTEGER, city VARCHAR,
            zip_prefix VARCHAR, zip_digits INTEGER, zip_letters BOOLEAN, phone_national VARCHAR,
            phone_international VARCHAR, phone_digits INTEGER, state VARCHAR, county VARCHAR,
            country VARCHAR, currency VARCHAR, language VARCHAR, n_streets INTEGER,
            n_names INTEGER)
    """)
    con.execute("CREATE TABLE place_slots (company VARCHAR, slot INTEGER, place_no INTEGER)")
    con.execute(
        "CREATE TABLE place_streets (company VARCHAR, place_no INTEGER, no INTEGER, street VARCHAR)"
    )
    con.execute(
        "CREATE TABLE place_names (company VARCHAR, place_no INTEGER, no INTEGER, name VARCHAR,"
        " search_name VARCHAR, email_domain VARCHAR)"
    )
    places, slots, streets, names = [], [], [], []
    for company, profile in PROFILES.items():
        weights = [pl.weight for pl in profile.places]
        slots += [[company, slot, no] for slot, no in enumerate(_expand(weights))]
        for no, pl in enumerate(profile.places):
            places.append([
                company, no, pl.city, pl.zip_prefix, pl.zip_digits, pl.zip_letters, *pl.phone,
                pl.state, pl.county, pl.country, pl.currency, pl.language, len(pl.streets),
                len(pl.names),
            ])  # fmt: skip
            streets += [[company, no, i, street] for i, street in enumerate(pl.streets)]
            names += [
                [company, no, i, *texts]
                for i, texts in enumerate(
                    zip(pl.names, pl.search_names, pl.email_domains, strict=True)
                )
            ]
    _insert(con, "places", places)
    _insert(con, "place_slots", slots)
    _insert(con, "place_streets", streets)
    _insert(con, "place_names", names)
    _load_customer_variants(con)


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Sequence[object]]) -> None:
    """Insert `rows` with one statement: executemany runs one per row, slowly."""
    if rows:
        marks = "(" + ", ".join("?" * len(rows[0])) + ")"
        values = [value for row in rows for value in row]
        con.execute(f"INSERT INTO {table} VALUES {', '.join([marks] * len(rows))}", values)


def _expand(weights: list[int]) -> list[int]:
    """Index i repeated weights[i] times: 100 slots when the weights are percents."""
    if sum(weights) != 100:
        raise ValueError(f"place weights add up to {sum(weights)}, not 100")
    return [no for no, weight in enumerate(weights) for _ in range(weight)]


def _load_customer_variants(con: duckdb.DuckDBPyConnection) -> None:
    """One row per kind, company and variant: the fields it sets and their values.

    `stride` is the number of companies the kind cycles through: instance `slot` is the
    company's instance `slot // stride`, which takes variant (that) % `variants`.
    """
    columns = ", ".join(f"{c} VARCHAR" for c in ("customer_name", *DEFINITION_COLUMNS))
    con.execute(
        "CREATE TABLE customer_variants (kind VARCHAR, company VARCHAR, variant_no INTEGER,"
        f" variants INTEGER, stride INTEGER, fields VARCHAR[], {columns})"
    )
    kinds = {kind.name: kind for kind in PROBLEM_KINDS}
    rows = []
    for name, variants in CUSTOMER_VARIANTS.items():
        for company in kinds[name].companies:
            own = [v for v in variants if company in v.companies]
            rows += [
                [name, company, no, len(own), len(kinds[name].companies), list(v.values),
                 *(v.values.get(c) for c in ("customer_name", *DEFINITION_COLUMNS))]
                for no, v in enumerate(own)
            ]  # fmt: skip
    _insert(con, "customer_variants", rows)


def _build_base(con: duckdb.DuckDBPyConnection) -> None:
    """Ordinary customers: company, a gapped ascending number per company, a name."""
    con.execute(f"""
        CREATE TABLE base AS
        WITH drawn AS (
            SELECT range AS rid,
                   CASE WHEN pct('company', range) < 50 THEN 'US01'
                        WHEN pct('company', range) < 80 THEN 'DE01'
                        ELSE 'GB01' END AS company
            FROM range(getvariable('n_base'))
        ), numbered AS (
            SELECT rid, company, row_number() OVER (PARTITION BY company ORDER BY rid) - 1 AS k
            FROM drawn
        )
        SELECT n.rid, n.company, n.k, n.k % {PAYER_EVERY} = 0 AS is_payer,
               3 * n.k + 1 + (rnd('gap', n.rid) % 3)::BIGINT AS num,
               account(n.company, num) AS customer_number,
               company_name(n.company, n.rid) AS customer_name
        FROM numbered n
    """)
    con.execute("""
        CREATE TABLE company_stats AS
        SELECT company, max(num) AS max_num, count(*) FILTER (is_payer) AS payers
        FROM base GROUP BY company
    """)
    con.execute(f"""
        CREATE TABLE payers AS
        SELECT company, k // {PAYER_EVERY} AS payer_no, customer_number FROM base WHERE is_payer
    """)


def _assign_problems(con: duckdb.DuckDBPyConnection) -> None:
    """Pick distinct ordinary non-payer customers, in seeded order, for the picked kinds."""
    con.execute("""
        CREATE TABLE assigned AS
        WITH wanted AS (
            SELECT kind_no, kind, slot, company, unnest(range(members)) AS member
            FROM slots WHERE source IN ('picked', 'copied')
        ), wanted_numbered AS (
            SELECT *, row_number() OVER (
                PARTITION BY company ORDER BY kind_no, slot, member) AS pick_no
            FROM wanted
        ), candidates AS (
            SELECT rid, company, row_number() OVER (
                PARTITION BY company ORDER BY rnd('pick', rid), rid) AS pick_no
            FROM base WHERE NOT is_payer
        )
        SELECT w.kind_no, w.kind, w.slot, w.member, w.company, c.rid
        FROM wanted_numbered w JOIN candidates c USING (company, pick_no)
    """)


def _definitions_sql(records: str, passed: Sequence[str]) -> str:
    """SQL for `records` (rid, company, kind and the columns `passed` through) with their
    Customer definitions columns, all valid.

    A place is drawn per record; persons are sole traders at home (the last name is the
    surname in the trading name). A record picked for a Customer definitions kind always
    has an address, so that each variant breaks its rule alone. `place_name` is the name
    of a customer of a place with names of another script (else NULL). The records only
    meet small tables here: a join whose build side held these wide rows would cost more
    than computing them.
    """
    planted = ", ".join(sql_literal(kind) for kind in _PLANTED_KINDS)
    kept = "".join(f"x.{column}, " for column in passed)
    return f"""
        WITH placed AS (
            SELECT {"".join(f"r.{column}, " for column in passed)}r.rid AS i, r.company, p.*,
                   p.country IS NOT NULL AS abroad,
                   p.n_names > 0 AS renamed,
                   NOT abroad AND NOT renamed AND dpct('party', i) < {PERSON_PERCENT} AS person,
                   coalesce(r.kind IN ({planted}), false)
                       OR dpct('address', i) >= {COUNTRY_ONLY_PERCENT}
                       AS has_address,
                   has_address OR dpct('address', i) >= {NO_ADDRESS_PERCENT} AS has_country
            FROM {records} r
            JOIN place_slots s ON s.company = r.company AND s.slot = dpct('place', r.rid)
            JOIN places p ON p.company = s.company AND p.place_no = s.place_no
        )
        SELECT {kept}x.i AS rid, x.company, n.name AS place_name,
               CASE WHEN x.person THEN CASE WHEN dpct('party_case', x.i) < 80 THEN 'Person'
                                            WHEN dpct('party_case', x.i) < 95 THEN 'person'
                                            ELSE 'PERSON' END
                    WHEN dpct('party_case', x.i) < 60 THEN NULL
                    WHEN dpct('party_case', x.i) < 90 THEN 'Organization'
                    WHEN dpct('party_case', x.i) < 97 THEN 'organization'
                    ELSE 'ORGANIZATION' END AS party_type,
               CASE WHEN x.person THEN first_name(x.company, 'first', x.i) END AS first_name,
               CASE WHEN x.person AND dpct('middle', x.i) < 25
                    THEN first_name(x.company, 'middle', x.i) END AS middle_name,
               CASE WHEN x.person THEN surname(x.company, 's1', x.i) END AS last_name,
               CASE WHEN dpct('search', x.i) >= {SEARCH_NAME_PERCENT} THEN NULL
                    WHEN x.renamed THEN n.search_name
                    WHEN x.person THEN person_search_name(x.company, x.i)
                    ELSE organisation_search_name(x.company, x.i) END AS search_name,
               CASE WHEN NOT x.person THEN legacy_group(x.company, x.i)
                    WHEN dpct('group', x.i) < 70 THEN 'RETAIL' END AS customer_group,
               CASE WHEN x.abroad THEN x.currency ELSE home_currency(x.company, x.i) END
                   AS currency,
               CASE WHEN x.has_address AND dpct('street_present', x.i) >= 3
                    THEN coalesce(ps.street, home_street(x.company, x.i)) END AS street,
               CASE WHEN x.has_address THEN x.city END AS city,
               CASE WHEN x.has_address
                    THEN x.zip_prefix || random_digits('zip', x.i, x.zip_digits)
                         || CASE WHEN x.zip_letters THEN random_letter('zip1', x.i)
                                 || random_letter('zip2', x.i) ELSE '' END END AS zip_code,
               CASE WHEN NOT x.has_address THEN NULL
                    WHEN x.company <> 'DE01' OR dpct('state', x.i) < 40 THEN x.state END AS state,
               CASE WHEN x.has_address AND dpct('county', x.i) < 60 THEN x.county END AS county,
               CASE WHEN NOT x.has_country THEN NULL
                    WHEN x.abroad THEN x.country
                    ELSE home_country(x.company, x.i) END AS country,
               CASE WHEN dpct('email', x.i) >= {EMAIL_PERCENT} THEN NULL
                    WHEN x.renamed THEN email_local(x.company, x.i) || '@' || n.email_domain
                    WHEN x.person
                        THEN person_mailbox(x.company, x.i) || '@'
                             || {_choose(PERSON_EMAIL_DOMAINS, "'email_domain'")}
                    ELSE email_local(x.company, x.i) || '@' || organisation_domain(x.company, x.i)
                    END AS email,
               CASE WHEN dpct('phone', x.i) < {PHONE_PERCENT}
                    THEN CASE WHEN dpct('phone_format', x.i) < 75 THEN x.phone_national
                              ELSE x.phone_international END
                         || random_digits('phone', x.i, x.phone_digits) END AS phone,
               CASE WHEN NOT x.abroad THEN home_language(x.company, x.i)
                    WHEN dpct('language', x.i) < 50 THEN x.language END AS language
        FROM placed x
        LEFT JOIN place_streets ps ON ps.company = x.company AND ps.place_no = x.place_no
            AND ps.no = CASE WHEN x.n_streets > 0 THEN draw('place_street', x.i) % x.n_streets END
        LEFT JOIN place_names n ON n.company = x.company AND n.place_no = x.place_no
            AND n.no = CASE WHEN x.renamed THEN draw('place_name', x.i) % x.n_names END
    """


def _plant_definitions(con: duckdb.DuckDBPyConnection) -> None:
    """Write each Customer definitions variant over the values of the customer it planted."""
    con.execute("""
        CREATE TABLE planted_values AS
        SELECT a.rid, v.* EXCLUDE (kind, company, variant_no, variants, stride)
        FROM assigned a JOIN customer_variants v
          ON v.kind = a.kind AND v.company = a.company
         AND v.variant_no = (a.slot // v.stride) % v.variants
    """)
    # An update of the few planted rows: a CASE per column and row would cost more than
    # generating all the columns.
    columns = ("customer_name", *DEFINITION_COLUMNS)
    updates = ", ".join(
        f"{c} = CASE WHEN list_contains(v.fields, '{c}') THEN v.{c} ELSE customers_all.{c} END"
        for c in columns
    )
    con.execute(f"""
        UPDATE customers_all SET {updates}
        FROM planted_values v WHERE customers_all.rid = v.rid
    """)


def _build_customers(con: duckdb.DuckDBPyConnection) -> None:
    _bill_to_ordinary(con)
    _bill_to_planted(con)
    records = """(
        SELECT b.rid, b.company, b.customer_number, b.customer_name, p.kind, p.plant,
               CASE WHEN p.rid IS NULL THEN o.bill_to ELSE p.bill_to END AS bill_to
        FROM base b
        JOIN ordinary_bill_to o USING (rid)
        LEFT JOIN planted_bill_to p USING (rid)
    )"""
    passed = ("customer_number", "customer_name", "kind", "plant", "bill_to")
    # A customer of a place with names of another script takes one of them.
    name = "coalesce(x.place_name, x.customer_name)"
    con.execute(f"""
        CREATE TABLE customers_all AS
        SELECT x.rid, x.company, x.customer_number, x.bill_to,
               CASE WHEN x.kind = 'multiline_name'
                    THEN {name} || chr(10) || attention(x.company)
                    ELSE {name} END AS customer_name,
               {", ".join(f"x.{c}" for c in DEFINITION_COLUMNS)},
               x.plant
        FROM ({_definitions_sql(records, passed)}) x
    """)
    _add_extra_customers(con)
    _plant_definitions(con)


def _bill_to_ordinary(con: duckdb.DuckDBPyConnection) -> None:
    """Most customers pay themselves; about a fifth invoice to a head office of the company."""
    con.execute("""
        CREATE TABLE ordinary_bill_to AS
        SELECT b.rid,
               CASE WHEN b.is_payer THEN NULL
                    WHEN pct('bill_to', b.rid) < 18 THEN p.customer_number
                    WHEN pct('bill_to', b.rid) < 20
                        THEN target_account(b.rid)
                    END AS bill_to
        FROM base b
        JOIN company_stats s USING (company)
        LEFT JOIN payers p
            ON p.company = b.company AND p.payer_no = (rnd('payer', b.rid) % s.payers)::BIGINT
    """)


def _bill_to_planted(con: duckdb.DuckDBPyConnection) -> None:
    """The bill-to (and the problem label) of every picked customer.

    Missing bill-to customers get numbers past the company's highest (even offsets; orphan
    dimensions take odd ones), so they can never exist. Cross-company bill-tos point at a
    head office of the next company, whose number format differs, so it cannot match here.
    """
    con.execute("""
        CREATE TABLE planted_bill_to AS
        SELECT a.rid, a.kind,
               CASE WHEN a.kind IN ('invoice_chain', 'bill_to_rejected') AND a.member = 1
                    THEN NULL
                    WHEN a.kind IN ('duplicate_case', 'duplicate_spaces') THEN NULL
                    WHEN a.kind IN (SELECT kind FROM dim_variants) THEN NULL
                    ELSE a.kind END AS plant,
               CASE WHEN a.kind = 'self_invoice' THEN b.customer_number
                    WHEN a.kind = 'invoice_cycle' THEN partner_base.customer_number
                    WHEN a.kind IN ('invoice_chain', 'bill_to_rejected') AND a.member = 0
                        THEN partner_base.customer_number
                    WHEN a.kind = 'invoice_chain' THEN own_payer.customer_number
                    -- The duplicated bill-to customer pays itself: A is no chain.
                    WHEN a.kind = 'bill_to_rejected' THEN NULL
                    WHEN a.kind = 'bill_to_not_found'
                        THEN account(a.company, s.max_num + 2 + 2 * a.rid)
                    WHEN a.kind = 'bill_to_other_company' THEN other_payer.customer_number
                    ELSE o.bill_to END AS bill_to
        FROM assigned a
        JOIN base b USING (rid)
        JOIN ordinary_bill_to o USING (rid)
        JOIN company_stats s ON s.company = a.company
        LEFT JOIN assigned partner
            ON partner.kind = a.kind AND partner.slot = a.slot AND partner.member = 1 - a.member
        LEFT JOIN base partner_base ON partner_base.rid = partner.rid
        LEFT JOIN payers own_payer
            ON own_payer.company = a.company AND own_payer.payer_no = a.slot % s.payers
        LEFT JOIN company_stats other_stats ON other_stats.company = CASE a.company
            WHEN 'US01' THEN 'DE01' WHEN 'DE01' THEN 'GB01' ELSE 'US01' END
        LEFT JOIN payers other_payer
            ON other_payer.company = other_stats.company
            AND other_payer.payer_no = a.slot % other_stats.payers
    """)


def _add_extra_customers(con: duckdb.DuckDBPyConnection) -> None:
    """Records that are not ordinary customers: copies with a twisted number, and new ones.

    A copy repeats its original's other columns; a new record has Customer definitions
    columns of its own and keeps a generated name even at a place with names of another
    script.
    """
    definitions = ", ".join(
        f"CASE WHEN orig.rid IS NULL THEN d.{c} ELSE orig.{c} END AS {c}"
        for c in DEFINITION_COLUMNS
    )
    added = "(SELECT rid, company, NULL AS kind FROM extra_rows WHERE source = 'added')"
    con.execute(f"""
        INSERT INTO customers_all BY NAME
        WITH definitions AS ({_definitions_sql(added, ())})
        SELECT e.rid, e.company,
               CASE e.kind WHEN 'bill_to_rejected' THEN 'duplicate_spaces' ELSE e.kind END
                   AS plant,
               CASE e.kind
                   WHEN 'duplicate_case' THEN lower(orig.customer_number)
                   WHEN 'bill_to_rejected' THEN orig.customer_number || ' '
                   WHEN 'duplicate_spaces' THEN CASE e.slot % 3
                       WHEN 0 THEN ' ' || orig.customer_number
                       WHEN 1 THEN orig.customer_number || ' '
                       ELSE orig.customer_number || '  ' END
                   WHEN 'unknown_company' THEN account(e.company, 1 + 3 * e.slot + rnd('gap', e.rid) % 3)
                   WHEN 'blank_account' THEN CASE WHEN e.slot % 2 = 1 THEN '   ' END
                   WHEN 'account_too_long' THEN CASE WHEN e.slot % 2 = 0
                       THEN printf('%024d', 1 + rnd('long', e.rid) % s.max_num)
                       ELSE account(e.company, 1 + rnd('long', e.rid) % s.max_num)
                           || '-INACTIVE-MERGED-' || (2015 + e.slot % 9) END
                   END AS customer_number,
               orig.bill_to,
               coalesce(orig.customer_name,
                        company_name(e.company, e.rid))
                   AS customer_name,
               {definitions}
        FROM extra_rows e
        LEFT JOIN definitions d USING (rid)
        LEFT JOIN company_stats s ON s.company = e.company
        LEFT JOIN assigned a ON a.kind = e.kind AND a.slot = e.slot AND a.member = e.members - 1
        LEFT JOIN customers_all orig ON orig.rid = a.rid
        -- A copy whose original could not be picked (a run too small) is left out.
        WHERE e.kind NOT IN (SELECT kind FROM kinds WHERE source = 'copied')
           OR orig.rid IS NOT NULL
    """)


def _build_dimensions(con: duckdb.DuckDBPyConnection) -> None:
    """Ordinary dimension rows, the planted ones replacing them, and orphans."""
    con.execute("""
        CREATE TABLE dimensions_ordinary AS
        SELECT c.rid, c.company, c.customer_number, d.pos, d.dimension,
               dimension_value(d.dimension, c.rid) AS value
        FROM customers_all c CROSS JOIN presence d
        WHERE trim(coalesce(c.customer_number, '')) <> ''
          AND pct(d.dimension, c.rid) < d.percent
    """)
    con.execute("""
        CREATE TABLE dimensions_planted AS
        SELECT a.rid, c.company, c.customer_number, coalesce(d.pos, 9) AS pos, v.dimension,
               unnest(list_filter([v.value, v.second_value], lambda x: x IS NOT NULL)) AS value,
               a.kind AS plant
        FROM assigned a
        JOIN customers_all c USING (rid)
        JOIN dim_variants v ON v.kind = a.kind AND v.variant_no = a.slot % v.variants
        LEFT JOIN presence d ON d.dimension = v.dimension
    """)
    con.execute("""
        CREATE TABLE dimensions_orphan AS
        SELECT -1 - o.slot AS rid, o.company,
               account(o.company, s.max_num + 1 + 2 * o.slot) AS customer_number,
               d.pos, d.dimension, dimension_value(d.dimension, -1 - o.slot) AS value,
               o.kind AS plant
        FROM slots o JOIN company_stats s USING (company) CROSS JOIN presence d
        WHERE o.source = 'orphan' AND (d.pos = 1 OR pct(d.dimension, -1 - o.slot) < d.percent)
    """)
    con.execute("""
        CREATE TABLE dimensions_all AS
        SELECT o.*, NULL::VARCHAR AS plant FROM dimensions_ordinary o
        ANTI JOIN dimensions_planted p ON p.rid = o.rid AND p.dimension = o.dimension
        UNION ALL BY NAME SELECT * FROM dimensions_planted
        UNION ALL BY NAME SELECT * FROM dimensions_orphan
    """)


def _build_targets(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE targets (data_area_id VARCHAR, customer_account VARCHAR)")
    con.executemany(
        "INSERT INTO targets VALUES (?, ?)",
        [[entity, account] for entity in TARGET_ENTITIES.values() for account in TARGET_ACCOUNTS],
    )
