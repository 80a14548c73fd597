-- One row per customer to update through the Customer details V2 entity: every customer that
-- passed its rules and has something to update, with its display value built from its accepted
-- dimension rows (a plain pivot on the format's positions, known when the model compiles).
{%- set positions = dimension_format_positions() %}

with

customers as {{ not_materialized() }} (

    select * from {{ ref('int_customers') }}

),

dimension_rows as {{ not_materialized() }} (

    select * from {{ ref('int_customer_dimensions') }}

),

dimension_values as (

    select * from {{ ref('int_dimension_values') }}

),

-- The rows carry their value's id, not its text: carrying the text through
-- int_customer_dimensions cost more than this join to the few distinct values.
valued_rows as (

    select
        dimension_rows.customer_source_line,
        dimension_rows.holds_back_customer,
        dimension_rows.rule,
        dimension_rows.format_position,
        dimension_values.dimension_value

    from dimension_rows

    left join dimension_values
        on dimension_rows.value_id = dimension_values.value_id

),

-- Per customer (its line is its id: int_customer_dimensions.customer_source_line), in one pass
-- over its dimension rows: whether a row holds it back (DIMENSION_REJECTED), and the value of
-- each position from its accepted rows (accepted rows of one dimension carry one value, else
-- they conflict). One aggregate and one join to the customers: a separate pass for the held-back
-- customers made two hash tables of every customer, more than the memory cap holds at 10M.
segments as (

    select
        customer_source_line,
        {{ dbt.bool_or('holds_back_customer') }} as is_held_back,
        {%- for position in positions %}
        min(case when rule is null and format_position = {{ position }} then dimension_value end)
            as segment_{{ loop.index }},
        {%- endfor %}
        sum(case when rule is null then 1 else 0 end) as accepted_rows

    from valued_rows

    group by customer_source_line

),

display_values as (

    select
        customer_source_line,
        is_held_back,
        case
            when accepted_rows > 0 then {{ display_value(positions | length) }}
        end as default_dimension_display_value

    from segments

),

exported as (

    select
        cast(customers.data_area_id as {{ dbt.type_string() }}) as {{ adapter.quote('DATAAREAID') }},
        cast(customers.customer_number as {{ dbt.type_string() }}) as {{ adapter.quote('CUSTOMERACCOUNT') }},
        cast(customers.invoice_account as {{ dbt.type_string() }}) as {{ adapter.quote('INVOICEACCOUNT') }},
        cast(display_values.default_dimension_display_value as {{ dbt.type_string() }})
            as {{ adapter.quote('DEFAULTDIMENSIONDISPLAYVALUE') }}

    from customers

    left join display_values
        on customers.source_line = display_values.customer_source_line

    where customers.rejected_precedence is null
        and not coalesce(display_values.is_held_back, false)
        and (
            customers.invoice_account is not null
            or display_values.default_dimension_display_value is not null
        )

),

final as (

    select * from exported

)

select * from final
