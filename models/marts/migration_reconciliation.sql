-- Every landed record of customers.csv and customer_dimensions.csv accounted for, per file and
-- legal entity. Each outcome is counted from its own evidence (the mart, the rejects, the
-- skipped customers), so a record lost or counted twice shows as extracted <> the sum.
with

customers as (

    select * from {{ ref('int_customers__keyed') }}

),

customer_outcomes as (

    select * from {{ ref('int_customers__outcome') }}

),

dimensions as (

    select * from {{ ref('int_customer_dimensions__validated') }}

),

legal_entities as (

    select * from {{ ref('legal_entities') }}

),

exported_customers as (

    select * from {{ ref('customer_details_v2') }}

),

rejects as (

    select * from {{ ref('customer_details_v2_rejects') }}

),

legal_entities_keyed as (

    select
        {{ normalized_key('legacy_company') }} as company_key,
        {{ normalized_key('data_area_id') }} as data_area_key

    from legal_entities

),

exported_keys as (

    select
        {{ normalized_key(adapter.quote('DATAAREAID')) }} as data_area_key,
        {{ normalized_key(adapter.quote('CUSTOMERACCOUNT')) }} as customer_key,
        {{ adapter.quote('DEFAULTDIMENSIONDISPLAYVALUE') }} is not null as has_dimensions

    from exported_customers

),

rejected_records as (

    select distinct
        source_file,
        source_line

    from rejects

),

skipped_customers as (

    select
        source_file,
        source_line

    from customer_outcomes

    where outcome = 'skipped'

),

-- Legacy customer keys of skipped customers: their dimension rows would be skipped too.
skipped_customer_keys as (

    select distinct
        company_key,
        customer_key

    from customer_outcomes

    where outcome = 'skipped'

),

customer_records as (

    select
        customers.source_file,
        customers.data_area_id,
        case when exported_keys.customer_key is not null then 1 else 0 end as is_exported,
        case when rejected_records.source_line is not null then 1 else 0 end as is_rejected,
        case when skipped_customers.source_line is not null then 1 else 0 end as is_skipped

    from customers

    left join exported_keys
        on customers.data_area_key = exported_keys.data_area_key
            and customers.customer_key = exported_keys.customer_key

    left join rejected_records
        on customers.source_file = rejected_records.source_file
            and customers.source_line = rejected_records.source_line

    left join skipped_customers
        on customers.source_file = skipped_customers.source_file
            and customers.source_line = skipped_customers.source_line

),

-- A dimension row is exported when it is part of an exported customer's display value.
dimension_records as (

    select
        dimensions.source_file,
        dimensions.data_area_id,
        case
            when exported_keys.has_dimensions and dimensions.rule is null then 1 else 0
        end as is_exported,
        case when rejected_records.source_line is not null then 1 else 0 end as is_rejected,
        case when skipped_customer_keys.customer_key is not null then 1 else 0 end as is_skipped

    from dimensions

    left join legal_entities_keyed
        on dimensions.company_key = legal_entities_keyed.company_key

    left join exported_keys
        on legal_entities_keyed.data_area_key = exported_keys.data_area_key
            and dimensions.customer_key = exported_keys.customer_key

    left join rejected_records
        on dimensions.source_file = rejected_records.source_file
            and dimensions.source_line = rejected_records.source_line

    left join skipped_customer_keys
        on dimensions.company_key = skipped_customer_keys.company_key
            and dimensions.customer_key = skipped_customer_keys.customer_key

),

records as (

    select * from customer_records

    union all

    select * from dimension_records

),

final as (

    select
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(data_area_id as {{ dbt.type_string() }}) as data_area_id,
        cast(count(*) as {{ dbt.type_bigint() }}) as extracted,
        cast(sum(is_exported) as {{ dbt.type_bigint() }}) as exported,
        cast(sum(is_rejected) as {{ dbt.type_bigint() }}) as rejected,
        cast(sum(is_skipped) as {{ dbt.type_bigint() }}) as skipped

    from records

    group by source_file, data_area_id

)

select * from final
