{#- Trim spaces only. DuckDB's one-argument trim() also strips U+00A0 and other Unicode
    spaces, which would hide exactly the characters that break F&O lookups. -#}
{% macro trim_spaces(expression) -%}
    {{ return(adapter.dispatch('trim_spaces', 'd365_customer_migration')(expression)) }}
{%- endmacro %}

{% macro default__trim_spaces(expression) -%}
    trim(both ' ' from {{ expression }})
{%- endmacro %}

{% macro duckdb__trim_spaces(expression) -%}
    trim({{ expression }}, ' ')
{%- endmacro %}


{#- An extracted cell as text: spaces trimmed, blank becomes NULL. -#}
{% macro clean_text(expression) -%}
    nullif({{ trim_spaces('cast(' ~ expression ~ ' as ' ~ dbt.type_string() ~ ')') }}, '')
{%- endmacro %}


{#- The one key comparison used everywhere: F&O's collation SQL_Latin1_General_CP1_CI_AS is
    case-insensitive, accent-sensitive and ignores trailing spaces. upper() folds case only,
    never accents (`Müller` stays `MÜLLER`, not `MULLER`). SQL Server compares Unicode text
    with Windows collation rules, under which canonically equivalent spellings are equal: NFC
    `Müller` (U+00FC) and NFD `Mu` + U+0308 `ller` are one key. So the key is NFC-normalised
    first, then upper-cased (NFC first: canonically equivalent inputs become one string before
    anything else looks at them). -#}
{% macro normalized_key(expression) -%}
    {{ return(adapter.dispatch('normalized_key', 'd365_customer_migration')(expression)) }}
{%- endmacro %}

{#- An engine without a Unicode normalisation function: canonically equivalent spellings stay
    two keys (documented in docs/rules.md, Known limits). -#}
{% macro default__normalized_key(expression) -%}
    nullif(upper({{ trim_spaces(expression) }}), '')
{%- endmacro %}

{#- DuckDB's nfc_normalize() cuts a non-ASCII string at a NUL character: such a value (which
    `loader land` refuses, and INVALID_ACCOUNT rejects) keeps its characters, un-normalised. -#}
{% macro duckdb__normalized_key(expression) -%}
    {%- set trimmed = trim_spaces(expression) -%}
    nullif(upper(case when contains({{ trimmed }}, chr(0)) then {{ trimmed }} else nfc_normalize({{ trimmed }}) end), '')
{%- endmacro %}

{#- Spark SQL has no NFC function before `normalize()` (Spark 4.4). `reflect()` into ICU4J or
    java.text.Normalizer is nondeterministic to Catalyst, so it cannot sit in the join and
    group-by keys this macro feeds: on Spark, keys are not NFC-normalised (the limit in
    docs/rules.md). On Spark 4.4+, replace the body with
    `nullif(upper(normalize(trim(both ' ' from EXPR), 'NFC')), '')`. -#}
{% macro spark__normalized_key(expression) -%}
    nullif(upper({{ trim_spaces(expression) }}), '')
{%- endmacro %}
