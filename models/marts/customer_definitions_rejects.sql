-- One row per customer record rejected for Customer definitions and rule: its account rules
-- (which reject it for both entities) or the entity's own. Which rules exist, their precedence
-- and what to do: the seed `rules`.
with

customer_rejects as (

    select * from {{ ref('int_customers__rejected') }}

),

final as (

    select
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_line as {{ dbt.type_bigint() }}) as source_line,
        cast(company as {{ dbt.type_string() }}) as company,
        cast(customer_number as {{ dbt.type_string() }}) as customer_number,
        cast(rule as {{ dbt.type_string() }}) as rule,
        cast(detail as {{ dbt.type_string() }}) as detail

    from customer_rejects

    where entity in ('all', 'customer_definitions')

)

select * from final
