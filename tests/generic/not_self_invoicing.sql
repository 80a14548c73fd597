{#- No customer names itself as its invoice account (compared as F&O compares keys). -#}
{% test not_self_invoicing(model, column_name, account_column) %}

select
    {{ account_column }},
    {{ column_name }}

from {{ model }}

where {{ normalized_key(column_name) }} = {{ normalized_key(account_column) }}

{% endtest %}
