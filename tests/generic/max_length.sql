{#- No value is longer than max_length characters (F&O truncates silently). -#}
{% test max_length(model, column_name, max_length) %}

select {{ column_name }}

from {{ model }}

where {{ dbt.length(column_name) }} > {{ max_length }}

{% endtest %}
