-- The outcome of every customer record: exported (with what), rejected or skipped.
with

customers as (

    select * from {{ ref('int_customers__checked') }}

),

dimensions as (

    select * from {{ ref('int_customer_dimensions__validated') }}

),

display_values as (

    select * from {{ ref('int_customers__dimension_display_values') }}

),

-- Customers whose own dimension rows broke a rule (not those held back with their customer).
dimension_rejected_customers as (

    select
        company_key,
        customer_key,
        count(*) as rejected_rows,
        {{ line_list('source_line') }} as rejected_lines

    from dimensions

    where rule not in ('ORPHAN_DIMENSION', 'CUSTOMER_REJECTED')

    group by company_key, customer_key

),

joined as (

    select
        customers.source_file,
        customers.source_line,
        customers.company,
        customers.customer_number,
        customers.company_key,
        customers.customer_key,
        customers.data_area_id,
        customers.data_area_key,
        customers.is_customer_rejected,
        customers.invoice_account_status,
        customers.invoice_account,
        (
            not customers.is_customer_rejected
            and dimension_rejected_customers.customer_key is not null
        ) as is_dimension_rejected,
        dimension_rejected_customers.rejected_rows as dimension_rejected_rows,
        dimension_rejected_customers.rejected_lines as dimension_rejected_lines,
        display_values.default_dimension_display_value

    from customers

    left join dimension_rejected_customers
        on customers.company_key = dimension_rejected_customers.company_key
            and customers.customer_key = dimension_rejected_customers.customer_key

    -- Display values exist only for customers that passed their own checks (unique keys).
    left join display_values
        on not customers.is_customer_rejected
            and customers.company_key = display_values.company_key
            and customers.customer_key = display_values.customer_key

),

final as (

    select
        source_file,
        source_line,
        company,
        customer_number,
        company_key,
        customer_key,
        data_area_id,
        data_area_key,
        invoice_account_status,
        invoice_account,
        default_dimension_display_value,
        is_dimension_rejected,
        dimension_rejected_rows,
        dimension_rejected_lines,
        case
            when is_customer_rejected or is_dimension_rejected then 'rejected'
            when invoice_account is not null or default_dimension_display_value is not null then 'exported'
            else 'skipped'
        end as outcome

    from joined

)

select * from final
