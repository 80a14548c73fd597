-- Each record of customers.csv with what Customer definitions maps: party type and name as F&O
-- holds them, and the customer group, currency and country of int_customer_definition_values.
with

customers as (

    select * from {{ ref('stg_legacy__customers') }}

),

definition_values as (

    select * from {{ ref('int_customer_definition_values') }}

),

final as (

    select
        customers.*,
        case
            when {{ is_person('customers') }} then 'Person' else 'Organization'
        end as party_type_id,
        {{ customer_name_for_fo('customers') }} as fo_name,
        customer_groups.mapped_value as mapped_customer_group,
        customer_groups.fo_value as customer_group_id,
        currencies.mapped_value as mapped_currency,
        currencies.fo_value as currency_code,
        countries.fo_value as country_region_id

    from customers

    left join definition_values as customer_groups
        on customer_groups.kind = 'customer_group'
            and coalesce(customers.company, '') = customer_groups.company_as_extracted
            and coalesce(customers.customer_group, '') = customer_groups.legacy_value_as_extracted

    left join definition_values as currencies
        on currencies.kind = 'currency'
            and coalesce(customers.company, '') = currencies.company_as_extracted
            and coalesce(customers.currency, '') = currencies.legacy_value_as_extracted

    left join definition_values as countries
        on countries.kind = 'country'
            and coalesce(customers.country, '') = countries.legacy_value_as_extracted

)

-- All of the record's columns, as staging has them: the checks read many of them.
select * from final  -- noqa: AM04
