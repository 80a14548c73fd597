{#- Aggregate: the source lines of a group as `3, 7, 9`, at most var('detail_max_listed_lines')
    of them (a reject detail must stay readable for a group of thousands). -#}
{% macro line_list(line_column) -%}
    {{ dbt.listagg(
        measure='cast(' ~ line_column ~ ' as ' ~ dbt.type_string() ~ ')',
        delimiter_text="', '",
        order_by_clause='order by ' ~ line_column,
        limit_num=var('detail_max_listed_lines')
    ) }}
{%- endmacro %}


{#- ` …` when a group has more lines than line_list() shows. -#}
{% macro line_list_ellipsis(count_expression) -%}
    case when {{ count_expression }} > {{ var('detail_max_listed_lines') }} then ', …' else '' end
{%- endmacro %}


{#- The delimiter var as an SQL string literal. -#}
{% macro dimension_delimiter_literal() -%}
    {{ dbt.string_literal(dbt.escape_single_quotes(var('dimension_delimiter'))) }}
{%- endmacro %}


{#- ONE when COUNT_EXPRESSION is 1, else MANY: a detail reads "line 5", not "lines 5". -#}
{% macro one_or_many(count_expression, one, many) -%}
    case when {{ count_expression }} = 1 then {{ dbt.string_literal(one) }} else {{ dbt.string_literal(many) }} end
{%- endmacro %}
