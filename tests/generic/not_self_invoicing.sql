{#- No customer names itself as its invoice account, compared as F&O compares keys; with
    `keyed: true` the columns already hold stored keys and are compared as they are. -#}
{% test not_self_invoicing(model, column_name, account_column, keyed=false) %}

select
    {{ account_column }},
    {{ column_name }}

from {{ model }}

{% if keyed %}
where {{ column_name }} = {{ account_column }}
{% else %}
where {{ normalized_key(column_name) }} = {{ normalized_key(account_column) }}
{% endif %}

{% endtest %}
