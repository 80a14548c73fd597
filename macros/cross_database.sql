{#- Overrides of dbt's cross-database macros for one adapter, found first because
    dbt_project.yml puts this project before dbt in the dispatch search order. -#}

{#- dbt-spark's listagg ignores order_by_clause (it only warns), so line lists and display
    value segments would come out in any order. Here the values are sorted by the ORDER BY
    expressions, then cut to limit_num: `order by a, b` only, ascending. -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}
    {%- if order_by_clause -%}
        {%- set order_by = modules.re.sub('(?i)^\\s*order\\s+by\\s+', '', order_by_clause) -%}
        {%- if modules.re.search('(?i)\\b(desc|asc|nulls)\\b|\\(', order_by) -%}
            {{ exceptions.raise_compiler_error("listagg on Spark: order_by_clause takes plain column names, ascending: " ~ order_by_clause) }}
        {%- endif -%}
        {%- set fields = [] -%}
        {%- for expression in order_by.split(',') -%}
            {%- do fields.append("'k" ~ loop.index ~ "', " ~ expression.strip()) -%}
        {%- endfor -%}
        {%- set collected -%}
            transform(
                filter(
                    array_sort(collect_list(named_struct({{ fields | join(', ') }}, 'v', {{ measure }}))),
                    x -> x.v is not null
                ),
                x -> x.v
            )
        {%- endset -%}
    {%- else -%}
        {%- set collected = 'collect_list(' ~ measure ~ ')' -%}
    {%- endif -%}
    {%- if limit_num -%}
        {%- set collected = 'slice(' ~ collected ~ ', 1, ' ~ limit_num ~ ')' -%}
    {%- endif -%}
    array_join({{ collected }}, {{ delimiter_text }})
{%- endmacro %}
