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

legal_entities_keyed as (

    {{ legal_entities_keyed('legal_entities') }}

),

-- A row's customer has its key in the legal entity of the row's company (companies of one
-- legal entity share its key space) or, for a company without one, in that company: the
-- owner is (legal entity, '') or ('', company). One status per owner and key; its (first)
-- line is the customer's integer id here and in the marts. A key on one record: its status.
single_customers as (

    select
        data_area_key as owner_entity,
        '' as owner_company,
        customer_key,
        rejected_precedence is not null as is_customer_rejected,
        source_line as customer_source_line

    from customers

    where customer_key is not null
        and data_area_key is not null
        and not breaks_duplicate_account

),

-- Keys on several records (duplicates, or a company without legal entity): all rejected.
shared_customers as (

    select
        coalesce(data_area_key, '') as owner_entity,
        case when data_area_key is null then coalesce(company_key, '') else '' end as owner_company,
        customer_key,
        {{ dbt.bool_or('rejected_precedence is not null') }} as is_customer_rejected,
        min(source_line) as customer_source_line

    from customers

    where customer_key is not null
        and (data_area_key is null or breaks_duplicate_account)

    group by 1, 2, 3

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

rows_owned as (

    select
        rows_keyed.*,
        legal_entities_keyed.data_area_id,
        coalesce(legal_entities_keyed.data_area_key, '') as owner_entity,
        case
            when legal_entities_keyed.data_area_key is null then coalesce(rows_keyed.company_key, '') else ''
        end as owner_company

    from rows_keyed

    left join legal_entities_keyed
        on rows_keyed.company_key = legal_entities_keyed.company_key

),

final as (

    select
        rows_owned.source_file,
        rows_owned.source_line,
        rows_owned.data_area_id,
        value_verdicts.value_id,
        value_verdicts.format_position,
        value_verdicts.value_key_id,
        customer_status.customer_source_line,
        customer_status.customer_key is null as breaks_orphan_dimension,
        coalesce(customer_status.is_customer_rejected, false) as is_customer_rejected,
        value_verdicts.breaks_unknown_dimension,
        value_verdicts.breaks_blank_dimension_value,
        value_verdicts.breaks_invalid_dimension_value,
        value_verdicts.breaks_unknown_dimension_value

    from rows_owned

    left join value_verdicts
        on coalesce(rows_owned.dimension, '') = value_verdicts.dimension_as_extracted
            and coalesce(rows_owned.legacy_value, '') = value_verdicts.legacy_value_as_extracted

    left join customer_status
        on rows_owned.owner_entity = customer_status.owner_entity
            and rows_owned.owner_company = customer_status.owner_company
            and rows_owned.customer_key = customer_status.customer_key

)

select * from final
