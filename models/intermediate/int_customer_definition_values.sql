-- Every distinct customer group, currency and country of customers.csv, mapped by the seeds and
-- checked once: tens of values instead of a lookup per record. A blank group or currency takes
-- the legal entity's default. The records take the verdict back by the value as extracted
-- (blank as '') and, for groups and currencies, their company.
with

values_keyed as (

    select * from {{ ref('int_customer_definition_values__extracted') }}

),

known_values as (

    select * from {{ ref('int_customer_definition_values__known') }}

),

legal_entity_defaults as (

    select * from {{ ref('legal_entity_defaults') }}

),

customer_group_map as (

    select * from {{ ref('customer_group_map') }}

),

country_map as (

    select * from {{ ref('country_map') }}

),

group_map_keyed as (

    select
        {{ normalized_key('data_area_id') }} as data_area_key,
        {{ normalized_key('legacy_customer_group') }} as legacy_key,
        customer_group_id

    from customer_group_map

),

country_map_keyed as (

    select
        {{ normalized_key('legacy_country') }} as legacy_key,
        country_region_id

    from country_map

),

defaults_keyed as (

    select
        {{ normalized_key('data_area_id') }} as data_area_key,
        customer_group_id,
        currency_code

    from legal_entity_defaults

),

-- What each value becomes: the legal entity's default when blank, else its mapping, else itself.
mapped as (

    select
        values_keyed.*,
        case
            when values_keyed.legacy_key is null and values_keyed.kind = 'customer_group'
                then defaults_keyed.customer_group_id
            when values_keyed.legacy_key is null and values_keyed.kind = 'currency'
                then defaults_keyed.currency_code
            else coalesce(
                    group_map_keyed.customer_group_id,
                    country_map_keyed.country_region_id,
                    values_keyed.legacy_value
                )
        end as mapped_value

    from values_keyed

    left join defaults_keyed
        on values_keyed.data_area_key = defaults_keyed.data_area_key

    left join group_map_keyed
        on values_keyed.kind = 'customer_group'
            and values_keyed.data_area_key = group_map_keyed.data_area_key
            and values_keyed.legacy_key = group_map_keyed.legacy_key

    left join country_map_keyed
        on values_keyed.kind = 'country'
            and values_keyed.legacy_key = country_map_keyed.legacy_key

),

final as (

    select
        mapped.kind,
        mapped.company as company_as_extracted,
        mapped.legacy_value as legacy_value_as_extracted,
        mapped.mapped_value,
        known_values.fo_value

    from mapped

    left join known_values
        on mapped.kind = known_values.kind
            and case when mapped.kind = 'country' then '' else mapped.data_area_key end = known_values.data_area_key
            and {{ normalized_key('mapped.mapped_value') }} = known_values.value_key

)

select * from final
