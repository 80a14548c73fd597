{#- No customer that passed its rules invoices to a customer that passed and has an invoice
    account itself (A invoices to B, B invoices to C). F&O does not refuse chains; they are
    reported because invoices then do not land where a reader of A expects. Reads the stored
    line of the invoice account's record (an integer join, no key computed again). -#}
{% test no_invoice_account_chains(model, column_name, line_column, invoice_account_line_column) %}

with

passed as (

    select
        {{ line_column }} as record_line,
        {{ invoice_account_line_column }} as invoice_account_line,
        {{ column_name }} as invoice_account

    from {{ model }}

    where {{ column_name }} is not null

),

final as (

    select
        first_link.record_line,
        first_link.invoice_account,
        second_link.invoice_account as next_invoice_account

    from passed as first_link

    inner join passed as second_link
        on first_link.invoice_account_line = second_link.record_line

)

select * from final

{% endtest %}
