{#- How DuckDB computes a CTE read in several places. Other engines decide for themselves. -#}

{#- `materialized` on DuckDB: a CTE read several times is computed once. -#}
{% macro materialized() -%}
    {{ return(adapter.dispatch('materialized', 'd365_customer_migration')()) }}
{%- endmacro %}

{% macro default__materialized() -%}{%- endmacro %}

{% macro duckdb__materialized() -%}materialized{%- endmacro %}


{#- `not materialized` on DuckDB: an import CTE of a table that a model reads in two places is
    scanned twice (with only the columns and rows each needs) instead of being copied whole
    into memory first, which DuckDB does by default for a CTE used twice. -#}
{% macro not_materialized() -%}
    {{ return(adapter.dispatch('not_materialized', 'd365_customer_migration')()) }}
{%- endmacro %}

{% macro default__not_materialized() -%}{%- endmacro %}

{% macro duckdb__not_materialized() -%}not materialized{%- endmacro %}
