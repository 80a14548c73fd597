{#- A value Excel turned into a number and wrote back in scientific notation (`1.23E+05`,
    `1,23457E+15`): the digits it stood for are lost (Excel keeps 15 significant digits and
    shows fewer), so no customer can be found by it. Excel always writes the exponent's sign;
    requiring it keeps real codes such as `12E4` out. -#}
{% macro scientific_notation_pattern() -%}
    [+-]?[0-9]+([.,][0-9]+)?[eE][+-][0-9]+
{%- endmacro %}


{#- True when the whole expression is a number in scientific notation, NULL for NULL. -#}
{% macro is_scientific_notation(expression) -%}
    {{ return(adapter.dispatch('is_scientific_notation', 'd365_customer_migration')(expression)) }}
{%- endmacro %}

{% macro default__is_scientific_notation(expression) -%}
    regexp_like({{ expression }}, '^{{ scientific_notation_pattern() }}$')
{%- endmacro %}

{% macro duckdb__is_scientific_notation(expression) -%}
    regexp_full_match({{ expression }}, '{{ scientific_notation_pattern() }}')
{%- endmacro %}

{% macro spark__is_scientific_notation(expression) -%}
    ({{ expression }} rlike '^{{ scientific_notation_pattern() }}$')
{%- endmacro %}
