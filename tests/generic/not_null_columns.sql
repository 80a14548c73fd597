{#- No row has NULL in any of these columns: one test for a table's required columns. -#}
{% test not_null_columns(model, columns) %}

select *

from {{ model }}

where
    {%- for column in columns %}
    {{ column }} is null{{ ' or' if not loop.last }}
    {%- endfor %}

{% endtest %}
