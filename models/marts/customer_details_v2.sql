-- One row per customer to update through the Customer details V2 entity.
with

customers as (

    select * from {{ ref('int_customers__outcome') }}

),

exported as (

    select
        cast(data_area_id as {{ dbt.type_string() }}) as {{ adapter.quote('DATAAREAID') }},
        cast(customer_number as {{ dbt.type_string() }}) as {{ adapter.quote('CUSTOMERACCOUNT') }},
        cast(invoice_account as {{ dbt.type_string() }}) as {{ adapter.quote('INVOICEACCOUNT') }},
        cast(default_dimension_display_value as {{ dbt.type_string() }})
            as {{ adapter.quote('DEFAULTDIMENSIONDISPLAYVALUE') }}

    from customers

    where outcome = 'exported'

),

final as (

    select * from exported

)

select * from final
