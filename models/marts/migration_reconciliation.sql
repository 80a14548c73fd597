-- Every landed record of customers.csv and customer_dimensions.csv accounted for, per entity,
-- file and legal entity: a customer record has an outcome in Customer definitions and one in
-- Customer details V2, a dimension row in Customer details V2 only. Each outcome is read from
-- its own evidence (the marts, the rejects, the customers with nothing to update); a record
-- with none or more than one is `unaccounted`.
with

customer_evidence as (

    select * from {{ ref('migration_reconciliation__customer_evidence') }}

),

dimension_rows as (

    select * from {{ ref('int_customer_dimensions') }}

),

-- Also read by migration_reconciliation__customer_evidence: DuckDB computes each once.
exported_records as (

    select * from {{ ref('migration_reconciliation__exported_records') }}

),

rejected_records as (

    select * from {{ ref('migration_reconciliation__rejected_records') }}

),

-- Customer definitions skips nothing: a record is created or rejected.
definitions_outcomes as (

    select
        'customer_definitions' as entity,
        source_file,
        data_area_id,
        is_created as is_exported,
        is_definitions_rejected as is_rejected,
        0 as is_skipped

    from customer_evidence

),

customer_outcomes as (

    select
        'customer_details_v2' as entity,
        source_file,
        data_area_id,
        is_exported,
        is_rejected,
        is_skipped

    from customer_evidence

),

-- A dimension row is exported as part of its exported customer's display value.
dimension_outcomes as (

    select
        'customer_details_v2' as entity,
        dimension_rows.source_file,
        dimension_rows.data_area_id,
        case when dimension_rows.rule is null and exported_records.has_dimensions then 1 else 0 end as is_exported,
        case when rejected_records.source_line is not null then 1 else 0 end as is_rejected,
        0 as is_skipped

    from dimension_rows

    left join exported_records
        on dimension_rows.customer_source_line = exported_records.source_line

    left join rejected_records
        on dimension_rows.source_file = rejected_records.source_file
            and dimension_rows.source_line = rejected_records.source_line

),

outcomes as (

    select * from definitions_outcomes

    union all

    select * from customer_outcomes

    union all

    select * from dimension_outcomes

),

final as (

    select
        cast(entity as {{ dbt.type_string() }}) as entity,
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(data_area_id as {{ dbt.type_string() }}) as data_area_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as extracted,
        cast(sum(is_exported) as {{ dbt.type_bigint() }}) as exported,
        cast(sum(is_rejected) as {{ dbt.type_bigint() }}) as rejected,
        cast(sum(is_skipped) as {{ dbt.type_bigint() }}) as skipped,
        cast(sum(case when is_exported + is_rejected + is_skipped <> 1 then 1 else 0 end) as {{ dbt.type_bigint() }})
            as unaccounted

    from outcomes

    group by entity, source_file, data_area_id

)

select * from final
