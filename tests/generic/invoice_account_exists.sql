{#- Every invoice account names a customer that exists in F&O once the load has run, in the
    same legal entity, compared as F&O compares keys: a migrated customer whose own account
    passed (its stored keys) or a customer of the target. -#}
{% test invoice_account_exists(model, column_name, legal_entity_column, customers, target_customers) %}

with

invoice_accounts as (

    select
        {{ legal_entity_column }} as legal_entity,
        {{ column_name }} as invoice_account,
        {{ normalized_key(legal_entity_column) }} as legal_entity_key,
        {{ normalized_key(column_name) }} as account_key

    from {{ model }}

    where {{ column_name }} is not null

),

existing_accounts as (

    select
        data_area_key as legal_entity_key,
        customer_key as account_key

    from {{ customers }}

    where not is_account_rejected

    union all

    select
        {{ normalized_key('data_area_id') }} as legal_entity_key,
        {{ normalized_key('customer_account') }} as account_key

    from {{ target_customers }}

),

final as (

    select
        invoice_accounts.legal_entity,
        invoice_accounts.invoice_account

    from invoice_accounts

    left join (select distinct legal_entity_key, account_key from existing_accounts) as existing
        on invoice_accounts.legal_entity_key = existing.legal_entity_key
        and invoice_accounts.account_key = existing.account_key

    where existing.account_key is null

)

select * from final

{% endtest %}
