with

source as (

    select * from {{ source('loader', '_loads') }}

),

renamed as (

    select
        cast(load_id as {{ dbt.type_string() }}) as load_id,
        cast(file_name as {{ dbt.type_string() }}) as file_name,
        cast(sha256 as {{ dbt.type_string() }}) as file_sha256,
        cast(rows as {{ dbt.type_bigint() }}) as row_count,
        cast(encoding as {{ dbt.type_string() }}) as file_encoding,
        cast(delimiter as {{ dbt.type_string() }}) as field_delimiter,
        cast(started_at as {{ dbt.type_timestamp() }}) as started_at,
        cast(finished_at as {{ dbt.type_timestamp() }}) as finished_at

    from source

),

final as (

    select * from renamed

)

select * from final
