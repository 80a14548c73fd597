{#- No customer names itself as its invoice account: the two columns hold stored keys (as F&O
    compares them), compared as they are. -#}
{% test not_self_invoicing(model, column_name, account_column) %}

select
    {{ account_column }},
    {{ column_name }}

from {{ model }}

where {{ column_name }} = {{ account_column }}

{% endtest %}
