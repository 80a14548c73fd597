"""Build the demo extracts as DuckDB tables, all rows at once, from a seed.

Randomness is `hash(seed, salt, row id)`: a pure function, so the same seed gives the
same rows whatever the thread count, and no Python code runs per row. The tables built
here, in order: `base` (ordinary customers), `assigned` (ordinary customers picked to carry
a problem), `customers_all`, `dimensions_all` and `targets`; the `plant` column of the last
ones names the problem a row carries and is not written to the files.
"""

from collections.abc import Sequence

import duckdb

from loader.demo_data_plan import (
    DEPARTMENT_LEGACY_CODES,
    DIMENSION_VARIANTS,
    DIMENSIONS_PRESENT,
    PROBLEM_KINDS,
    TARGET_ACCOUNTS,
    TARGET_ENTITIES,
    VOCABULARIES,
    added_rows,
)

# One ordinary customer in PAYER_EVERY is a group head office that others invoice to.
PAYER_EVERY = 40


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _pick(items: Sequence[str], salt: str, i: str = "i") -> str:
    """SQL choosing one of `items` by the hash of SQL expressions `salt` and `i`.

    The list is a literal with its length spelled out: `len()` of a list is evaluated
    per row and makes a million-row run several times slower.
    """
    literal = "[" + ", ".join(_sql_text(item) for item in items) + "]"
    return f"{literal}[1 + (rnd({salt}, {i}) % {len(items)})::BIGINT]"


def _per_company(field: str, salt: str) -> str:
    """SQL choosing a word of vocabulary `field` of the row's `company`."""
    branches = " ".join(
        f"WHEN {_sql_text(company)} THEN {_pick(getattr(vocab, field), salt)}"
        for company, vocab in VOCABULARIES.items()
    )
    return f"CASE company {branches} END"


def _per_company_text(field: str) -> str:
    """SQL for text `field` of the vocabulary of the row's `company`."""
    branches = " ".join(
        f"WHEN {_sql_text(company)} THEN {_sql_text(getattr(vocab, field))}"
        for company, vocab in VOCABULARIES.items()
    )
    return f"CASE company {branches} END"


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


def build_tables(con: duckdb.DuckDBPyConnection, *, customers: int, seed: int) -> None:
    """Create every table of the demo extracts in `con` (an empty in-memory database)."""
    _set_up(con, customers=customers, seed=seed)
    _load_plan(con, customers)
    _build_base(con)
    _assign_problems(con)
    _build_customers(con)
    _build_dimensions(con)
    _build_targets(con)


def _set_up(con: duckdb.DuckDBPyConnection, *, customers: int, seed: int) -> None:
    # The seed is hashed as text so that any Python int works, however large.
    con.execute("SET VARIABLE seed = ?", [str(seed)])
    con.execute("SET VARIABLE n_base = ?", [customers - added_rows(customers)])
    con.execute(_macros())


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


def _build_customers(con: duckdb.DuckDBPyConnection) -> None:
    _bill_to_ordinary(con)
    _bill_to_planted(con)
    con.execute("""
        CREATE TABLE customers_first AS
        SELECT b.rid, b.company, b.customer_number,
               CASE WHEN p.rid IS NULL THEN o.bill_to ELSE p.bill_to END AS bill_to,
               CASE WHEN p.kind = 'multiline_name'
                    THEN b.customer_name || chr(10) || attention(b.company)
                    ELSE b.customer_name END AS customer_name,
               p.plant
        FROM base b
        JOIN ordinary_bill_to o USING (rid)
        LEFT JOIN planted_bill_to p USING (rid)
    """)
    _build_extra_customers(con)
    con.execute("""
        CREATE TABLE customers_all AS
        SELECT rid, company, customer_number, bill_to, customer_name, plant FROM customers_first
        UNION ALL
        SELECT rid, company, customer_number, bill_to, customer_name, plant FROM extra_customers
    """)


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


def _build_extra_customers(con: duckdb.DuckDBPyConnection) -> None:
    """Records that are not ordinary customers: copies with a twisted number, and new ones."""
    con.execute("""
        CREATE TABLE extra_customers AS
        WITH extra AS (
            SELECT kind, slot, company, members,
                   getvariable('n_base') + row_number() OVER (ORDER BY kind_no, slot) - 1 AS rid
            FROM slots WHERE source IN ('added', 'copied')
        )
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
                   AS customer_name
        FROM extra e
        LEFT JOIN company_stats s USING (company)
        LEFT JOIN assigned a ON a.kind = e.kind AND a.slot = e.slot AND a.member = e.members - 1
        LEFT JOIN customers_first orig ON orig.rid = a.rid
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
