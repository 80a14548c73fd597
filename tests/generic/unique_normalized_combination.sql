{#- No two rows share these columns as F&O compares keys: trimmed, case-insensitive,
    accent-sensitive (`normalized_key`). -#}
{% test unique_normalized_combination(model, combination_of_columns) %}

with

keyed as (

    select
        {%- for column in combination_of_columns %}
        {{ normalized_key(column) }} as key_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}

    from {{ model }}

),

final as (

    select
        {%- for column in combination_of_columns %}
        key_{{ loop.index }},
        {%- endfor %}
        count(*) as duplicate_rows

    from keyed

    group by
        {%- for column in combination_of_columns %}
        key_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}

    having count(*) > 1

)

select * from final

{% endtest %}
