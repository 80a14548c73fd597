-- Every distinct customer group, currency and country of customers.csv, mapped by the seeds and
-- checked once: tens of values instead of a lookup per record. A blank group or currency takes
-- the legal entity's default. The records take the verdict back by the value as extracted
-- (blank as '') and, for groups and currencies, their company.
with

customers as (

    select * from {{ ref('stg_legacy__customers') }}

),

legal_entities as (

    select * from {{ ref('legal_entities') }}

),

legal_entity_defaults as (

    select * from {{ ref('legal_entity_defaults') }}

),

customer_group_map as (

    select * from {{ ref('customer_group_map') }}

),

customer_groups as (

    select * from {{ ref('customer_groups') }}

),

currencies as (

    select * from {{ ref('currencies') }}

),

country_map as (

    select * from {{ ref('country_map') }}

),

countries as (

    select * from {{ ref('countries') }}

),

legal_entities_keyed as (

    {{ legal_entities_keyed('legal_entities') }}

),

-- One scan of the records for all three kinds of value.
combinations as (

    select distinct
        coalesce(company, '') as company,
        coalesce(customer_group, '') as customer_group,
        coalesce(currency, '') as currency,
        coalesce(country, '') as country

    from customers

),

legacy_values as (

    select distinct
        'customer_group' as kind,
        company,
        customer_group as legacy_value

    from combinations

    union all

    select distinct
        'currency' as kind,
        company,
        currency as legacy_value

    from combinations

    -- The country map is global: one row per country, for any company.
    union all

    select distinct
        'country' as kind,
        '' as company,
        country as legacy_value

    from combinations

),

values_keyed as (

    select
        legacy_values.kind,
        legacy_values.company,
        legacy_values.legacy_value,
        legal_entities_keyed.data_area_key,
        {{ normalized_key('legacy_values.legacy_value') }} as legacy_key

    from legacy_values

    left join legal_entities_keyed
        on {{ normalized_key('legacy_values.company') }} = legal_entities_keyed.company_key

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

-- What exists in F&O, in its own spelling: groups and currencies per legal entity.
known_values as (

    select
        'customer_group' as kind,
        {{ normalized_key('data_area_id') }} as data_area_key,
        {{ normalized_key('customer_group_id') }} as value_key,
        customer_group_id as fo_value

    from customer_groups

    union all

    select
        'currency' as kind,
        {{ normalized_key('data_area_id') }} as data_area_key,
        {{ normalized_key('currency_code') }} as value_key,
        currency_code as fo_value

    from currencies

    union all

    select
        'country' as kind,
        '' as data_area_key,
        {{ normalized_key('country_region_id') }} as value_key,
        country_region_id as fo_value

    from countries

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
