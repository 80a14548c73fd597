{#- No value is longer than max_length as F&O counts it (UTF-16 code units, `utf16_length`):
    F&O truncates a longer value silently. -#}
{% test max_length(model, column_name, max_length) %}

select {{ column_name }}

from {{ model }}

where {{ utf16_length(column_name) }} > {{ max_length }}

{% endtest %}
