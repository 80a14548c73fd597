-- One row per rejected landed record and rule (a record breaking several account rules has
-- several). Which rules exist, their precedence and what to do: the seed `rules`.
with

customer_rejects as (

    select * from {{ ref('int_customers__rejected') }}

),

detail_rejects as (

    select
        source_file,
        source_line,
        company,
        customer_number,
        rule,
        detail

    from customer_rejects

    where entity in ('all', 'customer_details_v2')

),

dimension_rejects as (

    select * from {{ ref('int_customer_dimensions__rejected') }}

),

unioned as (

    select * from detail_rejects

    union all

    select * from dimension_rejects

),

final as (

    select
        {{ rejects_mart_columns() }}

    from unioned

)

select * from final
