{#- No value contains the substring, e.g. the dimension delimiter. -#}
{% test not_containing(model, column_name, substring) %}

select {{ column_name }}

from {{ model }}

where {{ dbt.position(dbt.string_literal(dbt.escape_single_quotes(substring)), column_name) }} > 0

{% endtest %}
