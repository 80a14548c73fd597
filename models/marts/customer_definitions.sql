-- One row per customer to create (or update) through the Customer definitions entity: every
-- customer record whose account and definitions rules passed. Codes are the F&O spellings the
-- seeds give (int_customers__definitions_mapped, which the rules checked); a blank language takes
-- the legal entity's default. Free text is carried exactly as extracted (only surrounding spaces
-- trimmed).
with

customers as {{ not_materialized() }} (

    select * from {{ ref('int_customers') }}

),

mapped_customers as {{ not_materialized() }} (

    select * from {{ ref('int_customers__definitions_mapped') }}

),

legal_entity_defaults as (

    select * from {{ ref('legal_entity_defaults') }}

),

defaults_keyed as (

    select
        {{ normalized_key('data_area_id') }} as data_area_key,
        language_id

    from legal_entity_defaults

),

created as (

    select
        customers.data_area_id,
        customers.customer_number,
        mapped_customers.party_type_id,
        mapped_customers.customer_group_id,
        mapped_customers.currency_code,
        mapped_customers.country_region_id,
        coalesce(mapped_customers.language_id, defaults_keyed.language_id) as language_id,
        mapped_customers.fo_name as customer_name,
        mapped_customers.first_name,
        mapped_customers.middle_name,
        mapped_customers.last_name,
        mapped_customers.search_name,
        mapped_customers.street,
        mapped_customers.city,
        mapped_customers.zip_code,
        mapped_customers.state,
        mapped_customers.county,
        mapped_customers.email,
        mapped_customers.phone,
        mapped_customers.party_type_id = 'Person' as is_person,
        mapped_customers.country_region_id is not null as has_address

    from customers

    inner join mapped_customers
        on customers.source_line = mapped_customers.source_line

    left join defaults_keyed
        on customers.data_area_key = defaults_keyed.data_area_key

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
