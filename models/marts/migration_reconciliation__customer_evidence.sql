-- Each customer record's evidence in both entities, in one pass: created or rejected in Customer
-- definitions; exported, rejected or skipped (nothing to update) in Customer details V2.
with

customers as {{ not_materialized() }} (

    select * from {{ ref('int_customers') }}

),

dimension_rows as (

    select * from {{ ref('int_customer_dimensions') }}

),

created_customers as (

    select * from {{ ref('customer_definitions') }}

),

definitions_rejects as (

    select * from {{ ref('customer_definitions_rejects') }}

),

exported_records as (

    select * from {{ ref('migration_reconciliation__exported_records') }}

),

rejected_records as (

    select * from {{ ref('migration_reconciliation__rejected_records') }}

),

created_records as (

    {{ records_behind_mart_rows('customers', 'created_customers') }}

),

definitions_rejected_records as (

    select distinct
        source_file,
        source_line

    from definitions_rejects

),

customers_with_dimension_rows as (

    select distinct customer_source_line

    from dimension_rows

),

final as (

    select
        customers.source_file,
        customers.data_area_id,
        case when created_records.source_line is not null then 1 else 0 end as is_created,
        case when definitions_rejected_records.source_line is not null then 1 else 0 end as is_definitions_rejected,
        case when exported_records.source_line is not null then 1 else 0 end as is_exported,
        case when rejected_records.source_line is not null then 1 else 0 end as is_rejected,
        -- Passed, but nothing to update: no invoice account and no dimension rows.
        case
            when customers.rejected_precedence is null
                and customers.invoice_account is null
                and customers_with_dimension_rows.customer_source_line is null then 1
            else 0
        end as is_skipped

    from customers

    left join created_records
        on customers.source_line = created_records.source_line

    left join definitions_rejected_records
        on customers.source_file = definitions_rejected_records.source_file
            and customers.source_line = definitions_rejected_records.source_line

    left join exported_records
        on customers.source_line = exported_records.source_line

    left join rejected_records
        on customers.source_file = rejected_records.source_file
            and customers.source_line = rejected_records.source_line

    left join customers_with_dimension_rows
        on customers.source_line = customers_with_dimension_rows.customer_source_line

)

select * from final
