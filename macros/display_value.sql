{#- The segment positions of the dimension format, read from the seed when the model compiles
    (dbt build seeds first), so the display value is a plain pivot: one column per segment, no
    cross join. Before the seed is loaded (`dbt parse`, a lint compile) the list is empty. Unit
    tests set it with `overrides: macros: {dimension_format_positions: [...]}`. -#}
{% macro dimension_format_positions() -%}
    {%- set format_relation = ref('dimension_format') -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- if load_relation(format_relation) is none -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set positions = run_query('select position from ' ~ format_relation ~ ' order by position') -%}
    {{ return(positions.columns[0].values() | map('int') | list) }}
{%- endmacro %}


{#- DEFAULTDIMENSIONDISPLAYVALUE from the segment columns `segment_1` ... `segment_N` (NULL for a
    dimension without value), joined by the delimiter. With dimension_trim_trailing_empty_segments
    the segments after the last one with a value are left off (`001-0101`, not `001-0101-`). -#}
{% macro display_value(segment_count) -%}
    {%- if segment_count == 0 -%}
        cast(null as {{ dbt.type_string() }})
    {%- else -%}
    {%- set parts = ["coalesce(segment_1, '')"] -%}
    {%- for position in range(2, segment_count + 1) -%}
        {%- set segment = dbt.concat([dimension_delimiter_literal(), "coalesce(segment_" ~ position ~ ", '')"]) -%}
        {%- if var('dimension_trim_trailing_empty_segments') -%}
            {%- set later = [] -%}
            {%- for later_position in range(position, segment_count + 1) -%}
                {%- do later.append('segment_' ~ later_position ~ ' is not null') -%}
            {%- endfor -%}
            {%- do parts.append('case when ' ~ later | join(' or ') ~ ' then ' ~ segment ~ " else '' end") -%}
        {%- else -%}
            {%- do parts.append(segment) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
    {%- endif -%}
{%- endmacro %}
