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

-- Held back for their dimension rows (DIMENSION_REJECTED).
held_back_customers as (

    select distinct customer_source_line

    from dimension_rows

    where holds_back_customer

),

-- Accepted rows belong to customers that passed and are not held back; a customer's id is its
-- line (int_customer_dimensions.customer_source_line).
segments as (

    -- Accepted rows of one dimension carry one value (else they conflict).
    select
        customer_source_line,
        {%- for position in positions %}
        min(case when format_position = {{ position }} then dimension_value end) as segment_{{ loop.index }},
        {%- endfor %}
        count(*) as accepted_rows

    from dimension_rows

    where rule is null

    group by customer_source_line

),

display_values as (

    select
        customer_source_line,
        {{ display_value(positions | length) }} as default_dimension_display_value

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

    left join held_back_customers
        on customers.source_line = held_back_customers.customer_source_line

    where customers.rejected_precedence is null
        and held_back_customers.customer_source_line is null
        and (customers.invoice_account is not null or display_values.customer_source_line is not null)

),

final as (

    select * from exported

)

select * from final
