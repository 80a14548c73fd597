-- Every distinct (dimension, legacy value) pair of customer_dimensions.csv, mapped and checked
-- once: tens to thousands of pairs instead of a check per row. The rows take their verdict by
-- the pair as extracted (blank as '') and keep its integer id.
with

mapped as (

    select * from {{ ref('int_dimension_values__mapped') }}

),

dimension_format as (

    select * from {{ ref('dimension_format') }}

),

dimension_values as (

    select * from {{ ref('dimension_values') }}

),

format_keyed as (

    select
        {{ normalized_key('dimension') }} as dimension_key,
        {{ trim_spaces('dimension') }} as format_dimension,
        position as format_position

    from dimension_format

),

-- F&O's own spelling of each allowed value; a dimension without rows accepts any value.
allowed_values as (

    select
        {{ normalized_key('dimension') }} as dimension_key,
        {{ normalized_key('value') }} as value_key,
        min({{ trim_spaces('value') }}) as allowed_value

    from dimension_values

    group by {{ normalized_key('dimension') }}, {{ normalized_key('value') }}

),

restricted_dimensions as (

    select distinct dimension_key

    from allowed_values

),

looked_up as (

    select
        mapped.*,
        {{ normalized_key('mapped.mapped_value') }} as value_key,
        format_keyed.format_dimension,
        format_keyed.format_position,
        restricted_dimensions.dimension_key is not null as is_restricted_dimension,
        {{ first_forbidden_character('mapped.mapped_value') }} as value_forbidden_character,
        coalesce({{ dbt.position(dimension_delimiter_literal(), 'mapped.mapped_value') }} > 0, false)
            as value_contains_delimiter,
        {{ utf16_length('mapped.mapped_value') }} as value_length

    from mapped

    left join format_keyed
        on mapped.dimension_key = format_keyed.dimension_key

    left join restricted_dimensions
        on mapped.dimension_key = restricted_dimensions.dimension_key

),

final as (

    select
        row_number() over (
            order by coalesce(looked_up.dimension, ''), coalesce(looked_up.legacy_value, '')
        ) as value_id,
        coalesce(looked_up.dimension, '') as dimension_as_extracted,
        coalesce(looked_up.legacy_value, '') as legacy_value_as_extracted,
        looked_up.mapped_value,
        looked_up.value_key,
        -- The value as an integer, equal where the keys are equal: int_customer_dimensions
        -- compares a customer's values by min and max, far cheaper on integers at 25M rows.
        case when looked_up.value_key is not null then dense_rank() over (order by looked_up.value_key) end
            as value_key_id,
        looked_up.format_dimension,
        looked_up.format_position,
        -- F&O's spelling when the value list has it, else the mapped value.
        coalesce(allowed_values.allowed_value, looked_up.mapped_value) as dimension_value,
        looked_up.value_forbidden_character,
        looked_up.value_contains_delimiter,
        looked_up.value_length,
        looked_up.format_position is null as breaks_unknown_dimension,
        looked_up.legacy_value is null as breaks_blank_dimension_value,
        coalesce(
            looked_up.value_forbidden_character is not null
            or looked_up.value_contains_delimiter
            or looked_up.value_length > {{ var('dimension_value_max_length') }},
            false
        ) as breaks_invalid_dimension_value,
        looked_up.is_restricted_dimension and allowed_values.allowed_value is null
            as breaks_unknown_dimension_value

    from looked_up

    left join allowed_values
        on looked_up.dimension_key = allowed_values.dimension_key
            and looked_up.value_key = allowed_values.value_key

)

select * from final
