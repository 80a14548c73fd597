with

source as (

    select * from {{ source('fo', 'target_customers') }}

),

renamed as (

    select
        cast(_source_file as {{ dbt.type_string() }}) as source_file,
        cast(_source_line as {{ dbt.type_bigint() }}) as source_line,
        cast(_load_id as {{ dbt.type_string() }}) as load_id,
        cast(_loaded_at as {{ dbt.type_timestamp() }}) as loaded_at,
        {{ clean_text('data_area_id') }} as data_area_id,
        {{ clean_text('customer_account') }} as customer_account

    from source

),

final as (

    select * from renamed

)

select * from final
