with

source as (

    select * from {{ source('legacy', 'customers') }}

),

renamed as (

    select
        cast(_source_file as {{ dbt.type_string() }}) as source_file,
        cast(_source_line as {{ dbt.type_bigint() }}) as source_line,
        cast(_load_id as {{ dbt.type_string() }}) as load_id,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as loaded_at,
        {{ clean_text('company') }} as company,
        {{ clean_text('customer_number') }} as customer_number,
        {{ clean_text('bill_to_customer_number') }} as bill_to_customer_number,
        {{ clean_text('customer_name') }} as customer_name,
        {{ clean_text('customer_group') }} as customer_group,
        {{ clean_text('currency') }} as currency,
        {{ clean_text('party_type') }} as party_type,
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('middle_name') }} as middle_name,
        {{ clean_text('last_name') }} as last_name,
        {{ clean_text('search_name') }} as search_name,
        {{ clean_text('street') }} as street,
        {{ clean_text('city') }} as city,
        {{ clean_text('zip_code') }} as zip_code,
        {{ clean_text('state') }} as state,
        {{ clean_text('county') }} as county,
        {{ clean_text('country') }} as country,
        {{ clean_text('email') }} as email,
        {{ clean_text('phone') }} as phone,
        {{ clean_text('language') }} as language_id

    from source

),

final as (

    select * from renamed

)

select * from final
