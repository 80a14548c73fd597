{#- No invoice account is itself a customer with an invoice account in the same model
    (A invoices to B, B invoices to C). F&O does not refuse chains; they are reported because
    invoices then do not land where a reader of A expects. One equi-join: linear. -#}
{% test no_invoice_account_chains(model, column_name, account_column, legal_entity_column) %}

with

invoicing as (

    select
        {{ legal_entity_column }} as legal_entity,
        {{ account_column }} as account,
        {{ column_name }} as invoice_account,
        {{ normalized_key(legal_entity_column) }} as legal_entity_key,
        {{ normalized_key(account_column) }} as account_key,
        {{ normalized_key(column_name) }} as invoice_account_key

    from {{ model }}

    where {{ column_name }} is not null

),

final as (

    select
        first_link.legal_entity,
        first_link.account,
        first_link.invoice_account,
        second_link.invoice_account as next_invoice_account

    from invoicing as first_link

    inner join invoicing as second_link
        on first_link.legal_entity_key = second_link.legal_entity_key
        and first_link.invoice_account_key = second_link.account_key

    -- a self-reference is its own test
    where second_link.invoice_account_key <> second_link.account_key

)

select * from final

{% endtest %}
