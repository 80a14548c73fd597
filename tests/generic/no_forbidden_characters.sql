{#- No value holds a character a package cannot carry (see forbidden_characters_pattern). -#}
{% test no_forbidden_characters(model, column_name) %}

select {{ column_name }}

from {{ model }}

where {{ has_forbidden_characters(column_name) }}

{% endtest %}
