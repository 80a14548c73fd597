{#- No value contains the substring, e.g. the dimension delimiter. -#}
{% test not_containing(model, column_name, substring) %}

select {{ column_name }}

from {{ model }}

where {{ contains_text(column_name, substring) }}

{% endtest %}
