{#- The checks the generic tests `unique_key`, `relationships_in_legal_entity`, `not_containing`
    and the seed checks (`seed_problems`) share: a select of the offending rows or a condition,
    so one test can run several in one query. -#}


{#- One row per key (as F&O compares keys: `normalized_key`) that repeats, or that a row leaves
    a column of `key` or `required` empty for: the folded key columns `key_1` ... `key_N`,
    `rows_with_key` and `rows_missing_a_value`. -#}
{% macro key_problems(relation, key, required=[]) -%}
    {%- set missing_value -%}
        {%- for column in key + required -%}
            {{ column }} is null{{ ' or ' if not loop.last }}
        {%- endfor -%}
    {%- endset %}
    select
        {%- for column in key %}
        key_{{ loop.index }},
        {%- endfor %}
        count(*) as rows_with_key,
        sum(is_missing_a_value) as rows_missing_a_value

    from (

        select
            {%- for column in key %}
            {{ normalized_key(column) }} as key_{{ loop.index }},
            {%- endfor %}
            case when {{ missing_value }} then 1 else 0 end as is_missing_a_value

        from {{ relation }}

    ) as keyed

    group by
        {%- for column in key %}
        key_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}

    having count(*) > 1 or sum(is_missing_a_value) > 0
{%- endmacro %}


{#- The rows of RELATION whose non-NULL COLUMN names no row of `to` in the same legal entity,
    both compared as F&O compares keys: `legal_entity` and `account` as the row has them. A
    global reference (no legal entity) passes the literal "'all'" for both legal-entity columns. -#}
{% macro missing_references(relation, column, legal_entity_column, to, to_field, to_legal_entity_field) -%}
    select
        child.legal_entity,
        child.account

    from (

        select
            {{ legal_entity_column }} as legal_entity,
            {{ column }} as account,
            {{ normalized_key(legal_entity_column) }} as legal_entity_key,
            {{ normalized_key(column) }} as account_key

        from {{ relation }}

        where {{ column }} is not null

    ) as child

    left join (

        select distinct
            {{ normalized_key(to_legal_entity_field) }} as legal_entity_key,
            {{ normalized_key(to_field) }} as account_key

        from {{ to }}

    ) as parent
        on child.legal_entity_key = parent.legal_entity_key
        and child.account_key = parent.account_key

    where parent.account_key is null
{%- endmacro %}


{#- True where COLUMN holds the text SUBSTRING (quotes in it escaped): `not_containing` and
    the seed checks refuse such values. -#}
{% macro contains_text(column, substring) -%}
    {{ dbt.position(dbt.string_literal(dbt.escape_single_quotes(substring)), column) }} > 0
{%- endmacro %}
