-- The rejected dimension rows with what their details name, read back for these rows only: the
-- record as extracted (by its line), its checked value (by its id) and the file of its customer
-- record (by the customer's line: int_customer_dimensions does not carry it for every row).
with

dimension_rows as (

    select * from {{ ref('int_customer_dimensions') }}

),

dimensions as (

    select * from {{ ref('stg_legacy__customer_dimensions') }}

),

dimension_values as (

    select * from {{ ref('int_dimension_values') }}

),

customers as (

    select * from {{ ref('int_customers') }}

),

final as (

    select
        dimension_rows.source_file,
        dimension_rows.source_line,
        dimension_rows.rule,
        dimension_rows.data_area_id,
        dimension_rows.is_customer_rejected,
        customers.source_file as customer_source_file,
        dimension_rows.customer_source_line,
        dimension_rows.holds_back_customer,
        dimension_rows.format_position,
        dimensions.company,
        dimensions.customer_number,
        dimensions.dimension,
        dimensions.legacy_value,
        dimension_values.mapped_value,
        dimension_values.format_dimension,
        dimension_values.value_forbidden_character,
        dimension_values.value_contains_delimiter,
        dimension_values.value_length

    from dimension_rows

    inner join dimensions
        on dimension_rows.source_file = dimensions.source_file
            and dimension_rows.source_line = dimensions.source_line

    left join dimension_values
        on dimension_rows.value_id = dimension_values.value_id

    left join customers
        on dimension_rows.customer_source_line = customers.source_line

    where dimension_rows.rule is not null

)

select * from final
