{#- Every row has a value in at least one of the columns: a row with nothing to update
    would clear fields in F&O. -#}
{% test at_least_one_not_null(model, columns) %}

select *

from {{ model }}

where
    {%- for column in columns %}
    {{ column }} is null{{ ' and' if not loop.last }}
    {%- endfor %}

{% endtest %}
