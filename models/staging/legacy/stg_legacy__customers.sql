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
        {{ clean_text('customer_name') }} as customer_name

    from source

),

final as (

    select * from renamed

)

select * from final
