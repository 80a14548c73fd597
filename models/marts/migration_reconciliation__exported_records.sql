-- The customer records behind the rows of Customer details V2, and whether each row carries a
-- display value (its dimension rows are exported with it).
with

customers as (

    select * from {{ ref('int_customers') }}

),

exported_customers as (

    select * from {{ ref('customer_details_v2') }}

),

final as (

    {{ records_behind_mart_rows(
        'customers',
        'exported_customers',
        [adapter.quote('DEFAULTDIMENSIONDISPLAYVALUE') ~ ' is not null as has_dimensions'],
    ) }}

)

select * from final
