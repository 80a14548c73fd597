-- Every record of customer_dimensions.csv matched, by key as F&O compares keys, to its customer
-- (the first line of the customer records with its key: an integer id) and to its checked
-- (dimension, value) pair. Ephemeral: read once, by int_customer_dimensions.
with

dimensions as (

    select * from {{ ref('stg_legacy__customer_dimensions') }}

),

value_verdicts as (

    select * from {{ ref('int_dimension_values') }}

),

customers as {{ not_materialized() }} (

    select * from {{ ref('int_customers') }}

),

legal_entities as (

    select * from {{ ref('legal_entities') }}

),

-- The value as an integer, equal where the keys are equal: int_customer_dimensions compares the
-- values of a customer's rows by min and max, far cheaper on integers at 25 million rows.
values_numbered as (

    select
        *,
        case when value_key is not null then dense_rank() over (order by value_key) end as value_key_id

    from value_verdicts

),

legal_entities_keyed as (

    {{ legal_entities_keyed('legal_entities') }}

),

-- One status per legacy customer key; its (first) line is the customer's integer id here and
-- in the marts. A key held by one record (the duplicate check found no other in its legal entity): that
-- record's status, read as it is; no grouping of every customer is needed.
single_customers as (

    select
        company_key,
        customer_key,
        rejected_precedence is not null as is_customer_rejected,
        source_line as customer_source_line

    from customers

    where customer_key is not null
        and data_area_key is not null
        and not breaks_duplicate_account

),

-- The few keys on several records (duplicates, or a company without legal entity, where no
-- duplicate check runs): all rejected, so none is "the" customer; the first line names them.
shared_customers as (

    select
        company_key,
        customer_key,
        {{ dbt.bool_or('rejected_precedence is not null') }} as is_customer_rejected,
        min(source_line) as customer_source_line

    from customers

    where company_key is not null
        and customer_key is not null
        and (data_area_key is null or breaks_duplicate_account)

    group by company_key, customer_key

),

customer_status as (

    select * from single_customers

    union all

    select * from shared_customers

),

rows_keyed as (

    select
        source_file,
        source_line,
        company,
        customer_number,
        dimension,
        legacy_value,
        {{ normalized_key('company') }} as company_key,
        {{ normalized_key('customer_number') }} as customer_key

    from dimensions

),

final as (

    select
        rows_keyed.source_file,
        rows_keyed.source_line,
        legal_entities_keyed.data_area_id,
        values_numbered.value_id,
        values_numbered.format_position,
        values_numbered.value_key_id,
        customer_status.customer_source_line,
        customer_status.customer_key is null as breaks_orphan_dimension,
        coalesce(customer_status.is_customer_rejected, false) as is_customer_rejected,
        values_numbered.breaks_unknown_dimension,
        values_numbered.breaks_blank_dimension_value,
        values_numbered.breaks_invalid_dimension_value,
        values_numbered.breaks_unknown_dimension_value

    from rows_keyed

    left join legal_entities_keyed
        on rows_keyed.company_key = legal_entities_keyed.company_key

    left join values_numbered
        on coalesce(rows_keyed.dimension, '') = values_numbered.dimension_as_extracted
            and coalesce(rows_keyed.legacy_value, '') = values_numbered.legacy_value_as_extracted

    left join customer_status
        on rows_keyed.company_key = customer_status.company_key
            and rows_keyed.customer_key = customer_status.customer_key

)

select * from final
