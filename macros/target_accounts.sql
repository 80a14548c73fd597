{#- The accounts of target_customers.csv (customers already in F&O), keyed as F&O compares
    keys: one row per legal entity and key, with its first spelling. -#}
{% macro target_accounts(target_customers) -%}
    select
        {{ normalized_key('data_area_id') }} as data_area_key,
        {{ normalized_key('customer_account') }} as customer_key,
        min(customer_account) as account_spelling

    from {{ target_customers }}

    where data_area_id is not null
        and customer_account is not null

    group by {{ normalized_key('data_area_id') }}, {{ normalized_key('customer_account') }}
{%- endmacro %}
