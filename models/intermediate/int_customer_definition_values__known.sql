-- What exists in F&O, in its own spelling: groups and currencies per legal entity, countries for
-- all of them, each with its key as F&O compares keys.
with

customer_groups as (

    select * from {{ ref('customer_groups') }}

),

currencies as (

    select * from {{ ref('currencies') }}

),

countries as (

    select * from {{ ref('countries') }}

),

final as (

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

)

select * from final
