-- Every distinct (dimension, legacy value) pair of customer_dimensions.csv with its keys and the
-- value it becomes after `dimension_value_map`.
with

dimensions as (

    select * from {{ ref('stg_legacy__customer_dimensions') }}

),

dimension_value_map as (

    select * from {{ ref('dimension_value_map') }}

),

pairs as (

    select distinct
        dimension,
        legacy_value

    from dimensions

),

pairs_keyed as (

    select
        dimension,
        legacy_value,
        {{ normalized_key('dimension') }} as dimension_key,
        {{ normalized_key('legacy_value') }} as legacy_value_key

    from pairs

),

value_map_keyed as (

    select
        {{ normalized_key('dimension') }} as dimension_key,
        {{ normalized_key('legacy_value') }} as legacy_value_key,
        {{ trim_spaces('value') }} as mapped_value

    from dimension_value_map

),

-- A legacy value without a mapping passes through unchanged.
final as (

    select
        pairs_keyed.*,
        coalesce(value_map_keyed.mapped_value, pairs_keyed.legacy_value) as mapped_value

    from pairs_keyed

    left join value_map_keyed
        on pairs_keyed.dimension_key = value_map_keyed.dimension_key
            and pairs_keyed.legacy_value_key = value_map_keyed.legacy_value_key

)

select * from final
