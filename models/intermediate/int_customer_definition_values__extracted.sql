-- Every distinct customer group and currency (per company) and country of customers.csv, as
-- extracted (blank as ''), keyed as F&O compares keys and with its legal entity's key.
with

customers as (

    select * from {{ ref('stg_legacy__customers') }}

),

legal_entities as (

    select * from {{ ref('legal_entities') }}

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

final as (

    select
        legacy_values.kind,
        legacy_values.company,
        legacy_values.legacy_value,
        legal_entities_keyed.data_area_key,
        {{ normalized_key('legacy_values.legacy_value') }} as legacy_key

    from legacy_values

    left join legal_entities_keyed
        on {{ normalized_key('legacy_values.company') }} = legal_entities_keyed.company_key

)

select * from final
