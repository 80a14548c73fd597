with

source as (

    select * from {{ source('legacy', 'customer_dimensions') }}

),

renamed as (

    select
        cast(_source_file as {{ dbt.type_string() }}) as source_file,
        cast(_source_line as {{ dbt.type_bigint() }}) as source_line,
        cast(_load_id as {{ dbt.type_string() }}) as load_id,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as loaded_at,
        {{ clean_text('company') }} as company,
        {{ clean_text('customer_number') }} as customer_number,
        {{ clean_text('dimension') }} as dimension,
        {{ clean_text('value') }} as legacy_value

    from source

),

final as (

    select * from renamed

)

select * from final
