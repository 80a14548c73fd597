{#- The column is a table's grain: present on every row and unique, compared as stored. One
    scan (one dbt node) where a not-null and a uniqueness test would be two: one failing row per
    value that repeats, and one for the rows without a value. -#}
{% test primary_key(model, column_name) %}

select
    {{ column_name }} as key_value,
    count(*) as rows_with_key

from {{ model }}

group by {{ column_name }}

having count(*) > 1 or {{ column_name }} is null

{% endtest %}
