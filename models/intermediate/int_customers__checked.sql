-- The customer-level outcome of every customer record, before its dimension rows are looked
-- at: rejected for its account or its invoice account, or ready with its invoice account.
with

customers as (

    select * from {{ ref('int_customers__account_checked') }}

),

invoice_accounts as (

    select * from {{ ref('int_customers__invoice_chains') }}

),

joined as (

    select
        customers.source_file,
        customers.source_line,
        customers.company,
        customers.customer_number,
        customers.bill_to_customer_number,
        customers.company_key,
        customers.customer_key,
        customers.data_area_id,
        customers.data_area_key,
        customers.is_account_rejected,
        invoice_accounts.invoice_account_status,
        invoice_accounts.invoice_account

    from customers

    left join invoice_accounts
        on customers.source_file = invoice_accounts.source_file
            and customers.source_line = invoice_accounts.source_line

),

final as (

    select
        source_file,
        source_line,
        company,
        customer_number,
        bill_to_customer_number,
        company_key,
        customer_key,
        data_area_id,
        data_area_key,
        is_account_rejected,
        coalesce(
            invoice_account_status in ('invalid', 'rejected', 'not_found', 'cycle'), false
        ) as is_invoice_account_rejected,
        invoice_account_status,
        invoice_account,
        (
            is_account_rejected
            or coalesce(invoice_account_status in ('invalid', 'rejected', 'not_found', 'cycle'), false)
        ) as is_customer_rejected

    from joined

)

select * from final
