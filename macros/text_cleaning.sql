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
