{#- A display value has no more segments than the dimension format (F&O silently drops the
    extra ones) and no segment longer than var('dimension_value_max_length') as F&O counts it (UTF-16
    code units). -#}
{% test dimension_display_value_fits_format(model, column_name, format_model) %}

{%- set delimiter = dimension_delimiter_literal() %}
{%- set segment_count = '(' ~ dbt.length(column_name) ~ ' - ' ~ dbt.length(dbt.replace(column_name, delimiter, "''")) ~ ') / ' ~ dbt.length(delimiter) ~ ' + 1' %}
{#- The format's length is needed at compile time to split every segment. -#}
{%- set format_length = 0 %}
{%- if execute %}
    {%- set format_length = run_query('select count(*) from ' ~ format_model).columns[0].values()[0] | int %}
{%- endif %}

with

display_values as (

    select
        {{ column_name }} as display_value,
        {{ segment_count }} as segment_count

    from {{ model }}

    where {{ column_name }} is not null

),

format_length as (

    select count(*) as format_segments from {{ format_model }}

),

final as (

    select
        display_values.display_value,
        display_values.segment_count,
        format_length.format_segments

    from display_values

    cross join format_length

    where display_values.segment_count > format_length.format_segments
        {%- for position in range(1, format_length + 1) %}
        or coalesce({{ utf16_length(dbt.split_part('display_values.display_value', delimiter, position)) }}, 0) > {{ var('dimension_value_max_length') }}
        {%- endfor %}

)

select * from final

{% endtest %}
