-- One row per customer to create (or update) through the Customer definitions entity: every
-- customer record whose account and definitions rules passed. Codes are the F&O spellings the
-- seeds give; free text is carried exactly as extracted (only surrounding spaces trimmed).
with

customers as {{ not_materialized() }} (

    select * from {{ ref('int_customers') }}

),

staged_customers as {{ not_materialized() }} (

    select * from {{ ref('stg_legacy__customers') }}

),

created as (

    select
        customers.data_area_id,
        customers.customer_number,
        customers.party_type_id,
        customers.customer_group_id,
        customers.currency_code,
        customers.country_region_id,
        customers.language_id,
        {{ customer_name_for_fo('staged_customers') }} as customer_name,
        staged_customers.first_name,
        staged_customers.middle_name,
        staged_customers.last_name,
        staged_customers.search_name,
        staged_customers.street,
        staged_customers.city,
        staged_customers.zip_code,
        staged_customers.state,
        staged_customers.county,
        staged_customers.email,
        staged_customers.phone,
        customers.party_type_id = 'Person' as is_person,
        customers.country_region_id is not null as has_address

    from customers

    inner join staged_customers
        on customers.source_line = staged_customers.source_line

    where customers.definitions_rejected_precedence is null

),

exported as (

    select
        cast(data_area_id as {{ dbt.type_string() }}) as {{ adapter.quote('DATAAREAID') }},
        cast(customer_number as {{ dbt.type_string() }}) as {{ adapter.quote('CUSTOMERACCOUNT') }},
        cast(customer_name as {{ dbt.type_string() }}) as {{ adapter.quote('NAME') }},
        cast(customer_group_id as {{ dbt.type_string() }}) as {{ adapter.quote('CUSTOMERGROUPID') }},
        cast(currency_code as {{ dbt.type_string() }}) as {{ adapter.quote('SALESCURRENCYCODE') }},
        cast(party_type_id as {{ dbt.type_string() }}) as {{ adapter.quote('PARTYTYPE') }},
        -- F&O reads the name parts of a person only.
        cast(case when is_person then first_name end as {{ dbt.type_string() }})
            as {{ adapter.quote('PERSONFIRSTNAME') }},
        cast(case when is_person then middle_name end as {{ dbt.type_string() }})
            as {{ adapter.quote('PERSONMIDDLENAME') }},
        cast(case when is_person then last_name end as {{ dbt.type_string() }})
            as {{ adapter.quote('PERSONLASTNAME') }},
        cast(search_name as {{ dbt.type_string() }}) as {{ adapter.quote('NAMEALIAS') }},
        cast(
            case when has_address then '{{ var("customer_address_description") }}' end as {{ dbt.type_string() }}
        ) as {{ adapter.quote('ADDRESSDESCRIPTION') }},
        cast(street as {{ dbt.type_string() }}) as {{ adapter.quote('ADDRESSSTREET') }},
        cast(city as {{ dbt.type_string() }}) as {{ adapter.quote('ADDRESSCITY') }},
        cast(zip_code as {{ dbt.type_string() }}) as {{ adapter.quote('ADDRESSZIPCODE') }},
        cast(state as {{ dbt.type_string() }}) as {{ adapter.quote('ADDRESSSTATE') }},
        cast(county as {{ dbt.type_string() }}) as {{ adapter.quote('ADDRESSCOUNTY') }},
        cast(country_region_id as {{ dbt.type_string() }}) as {{ adapter.quote('ADDRESSCOUNTRYREGIONID') }},
        cast(email as {{ dbt.type_string() }}) as {{ adapter.quote('PRIMARYCONTACTEMAIL') }},
        cast(phone as {{ dbt.type_string() }}) as {{ adapter.quote('PRIMARYCONTACTPHONE') }},
        cast(language_id as {{ dbt.type_string() }}) as {{ adapter.quote('LANGUAGEID') }}

    from created

),

final as (

    select * from exported

)

select * from final
