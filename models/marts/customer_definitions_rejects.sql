-- One row per customer record rejected for Customer definitions and rule: its account rules
-- (which reject it for both entities) or the entity's own. Which rules exist, their precedence
-- and what to do: the seed `rules`.
with

customer_rejects as (

    select * from {{ ref('int_customers__rejected') }}

),

final as (

    select
        {{ rejects_mart_columns() }}

    from customer_rejects

    where entity in ('all', 'customer_definitions')

)

select * from final
