-- The landed records (customer and dimension rows) with a row in customer_details_v2_rejects.
with

rejects as (

    select * from {{ ref('customer_details_v2_rejects') }}

),

final as (

    select distinct
        source_file,
        source_line

    from rejects

)

select * from final
