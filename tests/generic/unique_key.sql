{#- A table's key, in one pass: no row leaves a column of `key` or of `required` empty, and no
    two rows share the key as F&O compares keys (`normalized_key`: trimmed, case-, width- and
    kana-insensitive). One failing row per key that repeats or has a row with a missing value.
    One test (one dbt node, one scan) where a not-null and a uniqueness test would be two. -#}
{% test unique_key(model, key, required=[]) %}

{%- set missing_value -%}
    {%- for column in key + required -%}
        {{ column }} is null{{ ' or ' if not loop.last }}
    {%- endfor -%}
{%- endset %}

with

keyed as (

    select
        {%- for column in key %}
        {{ normalized_key(column) }} as key_{{ loop.index }},
        {%- endfor %}
        case when {{ missing_value }} then 1 else 0 end as is_missing_a_value

    from {{ model }}

),

final as (

    select
        {%- for column in key %}
        key_{{ loop.index }},
        {%- endfor %}
        count(*) as rows_with_key,
        sum(is_missing_a_value) as rows_missing_a_value

    from keyed

    group by
        {%- for column in key %}
        key_{{ loop.index }}{{ ',' if not loop.last }}
        {%- endfor %}

    having count(*) > 1 or sum(is_missing_a_value) > 0

)

select * from final

{% endtest %}
