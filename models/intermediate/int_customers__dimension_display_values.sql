-- DEFAULTDIMENSIONDISPLAYVALUE of every customer whose dimension rows were all accepted: the
-- values in the format's order, an empty segment for a dimension without value, joined by
-- the delimiter. Customers x format segments: linear in customers (the format is short).
with

dimensions as (

    select * from {{ ref('int_customer_dimensions__validated') }}

),

dimension_format as (

    select * from {{ ref('dimension_format') }}

),

format_keyed as (

    select
        {{ normalized_key('dimension') }} as dimension_key,
        position as format_position

    from dimension_format

),

accepted_values as (

    select
        company_key,
        customer_key,
        format_position,
        -- Accepted rows of one dimension carry the same value (else they conflict).
        min(dimension_value) as dimension_value

    from dimensions

    where rule is null

    group by company_key, customer_key, format_position

),

customers_with_values as (

    select
        company_key,
        customer_key,
        max(format_position) as last_position_with_value

    from accepted_values

    group by company_key, customer_key

),

segments as (

    select
        customers_with_values.company_key,
        customers_with_values.customer_key,
        format_keyed.format_position,
        coalesce(accepted_values.dimension_value, '') as segment

    from customers_with_values

    cross join format_keyed

    left join accepted_values
        on customers_with_values.company_key = accepted_values.company_key
            and customers_with_values.customer_key = accepted_values.customer_key
            and format_keyed.format_position = accepted_values.format_position

    {% if var('dimension_trim_trailing_empty_segments') %}
    -- Trailing empty segments are left off: `001-0101`, not `001-0101-`.
    where format_keyed.format_position <= customers_with_values.last_position_with_value
    {% endif %}

),

assembled as (

    select
        company_key,
        customer_key,
        {{ dbt.listagg('segment', dimension_delimiter_literal(), 'order by format_position') }}
            as default_dimension_display_value

    from segments

    group by company_key, customer_key

),

final as (

    select * from assembled

)

select * from final
