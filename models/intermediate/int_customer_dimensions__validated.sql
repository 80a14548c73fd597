-- Every landed dimension row with its mapped F&O value and the rule it breaks, if any.
-- Rows are checked only once their customer passed its own checks; one rule per row, the
-- first that applies.
with

dimensions as (

    select * from {{ ref('stg_legacy__customer_dimensions') }}

),

customers as (

    select * from {{ ref('int_customers__checked') }}

),

legal_entities as (

    select * from {{ ref('legal_entities') }}

),

dimension_format as (

    select * from {{ ref('dimension_format') }}

),

dimension_values as (

    select * from {{ ref('dimension_values') }}

),

dimension_value_map as (

    select * from {{ ref('dimension_value_map') }}

),

legal_entities_keyed as (

    select
        {{ normalized_key('legacy_company') }} as company_key,
        {{ trim_spaces('data_area_id') }} as data_area_id

    from legal_entities

),

format_keyed as (

    select
        {{ normalized_key('dimension') }} as dimension_key,
        {{ trim_spaces('dimension') }} as format_dimension,
        position as format_position

    from dimension_format

),

value_map_keyed as (

    select
        {{ normalized_key('dimension') }} as dimension_key,
        {{ normalized_key('legacy_value') }} as legacy_value_key,
        {{ trim_spaces('value') }} as mapped_value,
        {{ normalized_key('value') }} as mapped_value_key

    from dimension_value_map

),

-- F&O's own spelling of each allowed value.
allowed_values as (

    select
        {{ normalized_key('dimension') }} as dimension_key,
        {{ normalized_key('value') }} as value_key,
        min({{ trim_spaces('value') }}) as allowed_value

    from dimension_values

    group by {{ normalized_key('dimension') }}, {{ normalized_key('value') }}

),

-- A dimension without rows in dimension_values accepts any value.
restricted_dimensions as (

    select distinct dimension_key

    from allowed_values

),

-- One status per legacy customer key (duplicates are all rejected, so none is "the" customer).
customer_status as (

    select
        company_key,
        customer_key,
        {{ dbt.bool_or('is_customer_rejected') }} as is_customer_rejected,
        min(source_file) as customer_source_file,
        min(source_line) as customer_source_line

    from customers

    where company_key is not null
        and customer_key is not null

    group by company_key, customer_key

),

dimensions_keyed as (

    select
        source_file,
        source_line,
        company,
        customer_number,
        dimension,
        legacy_value,
        {{ normalized_key('company') }} as company_key,
        {{ normalized_key('customer_number') }} as customer_key,
        {{ normalized_key('dimension') }} as dimension_key,
        {{ normalized_key('legacy_value') }} as legacy_value_key

    from dimensions

),

-- Values without a mapping pass through unchanged. The key of the mapped value comes from
-- the (small) map or is the legacy value's own key: no key is computed twice per row.
mapped as (

    select
        dimensions_keyed.*,
        coalesce(value_map_keyed.mapped_value, dimensions_keyed.legacy_value) as mapped_value,
        case
            when value_map_keyed.mapped_value is not null then value_map_keyed.mapped_value_key
            else dimensions_keyed.legacy_value_key
        end as value_key

    from dimensions_keyed

    left join value_map_keyed
        on dimensions_keyed.dimension_key = value_map_keyed.dimension_key
            and dimensions_keyed.legacy_value_key = value_map_keyed.legacy_value_key

),

looked_up as (

    select
        mapped.*,
        legal_entities_keyed.data_area_id,
        format_keyed.format_dimension,
        format_keyed.format_position,
        restricted_dimensions.dimension_key is not null as is_restricted_dimension,
        allowed_values.allowed_value,
        customer_status.customer_key is not null as has_customer,
        coalesce(customer_status.is_customer_rejected, false) as is_customer_rejected,
        customer_status.customer_source_file,
        customer_status.customer_source_line,
        {{ first_forbidden_character('mapped.mapped_value') }} as value_forbidden_character,
        coalesce({{ dbt.position(dimension_delimiter_literal(), 'mapped.mapped_value') }} > 0, false)
            as value_contains_delimiter,
        coalesce({{ dbt.length('mapped.mapped_value') }} > {{ var('dimension_value_max_length') }}, false)
            as is_value_too_long

    from mapped

    left join legal_entities_keyed
        on mapped.company_key = legal_entities_keyed.company_key

    left join format_keyed
        on mapped.dimension_key = format_keyed.dimension_key

    left join restricted_dimensions
        on mapped.dimension_key = restricted_dimensions.dimension_key

    left join allowed_values
        on mapped.dimension_key = allowed_values.dimension_key
            and mapped.value_key = allowed_values.value_key

    left join customer_status
        on mapped.company_key = customer_status.company_key
            and mapped.customer_key = customer_status.customer_key

),

-- Rows that take part in the one-value-per-dimension check.
comparable_values as (

    select
        company_key,
        customer_key,
        dimension_key,
        value_key,
        source_line

    from looked_up

    where has_customer
        and not is_customer_rejected
        and format_position is not null
        and value_key is not null

),

-- Two different values for one dimension of one customer: neither can be chosen. Found with
-- min/max over every group, so that only the few conflicting groups list their lines.
conflicting_groups as (

    select
        company_key,
        customer_key,
        dimension_key

    from comparable_values

    group by company_key, customer_key, dimension_key

    having min(value_key) <> max(value_key)

),

conflicting_rows as (

    select
        comparable_values.company_key,
        comparable_values.customer_key,
        comparable_values.dimension_key,
        comparable_values.source_line

    from comparable_values

    inner join conflicting_groups
        on comparable_values.company_key = conflicting_groups.company_key
            and comparable_values.customer_key = conflicting_groups.customer_key
            and comparable_values.dimension_key = conflicting_groups.dimension_key

),

conflicts as (

    select
        company_key,
        customer_key,
        dimension_key,
        count(*) as conflicting_rows,
        {{ line_list('source_line') }} as conflicting_lines

    from conflicting_rows

    group by company_key, customer_key, dimension_key

),

row_rules as (

    select
        looked_up.*,
        conflicts.conflicting_rows,
        conflicts.conflicting_lines,
        case
            when not looked_up.has_customer then 'ORPHAN_DIMENSION'
            when looked_up.is_customer_rejected then 'CUSTOMER_REJECTED'
            when looked_up.format_position is null then 'UNKNOWN_DIMENSION'
            when looked_up.legacy_value is null then 'BLANK_DIMENSION_VALUE'
            when looked_up.value_forbidden_character is not null
                or looked_up.value_contains_delimiter
                or looked_up.is_value_too_long then 'INVALID_DIMENSION_VALUE'
            when looked_up.is_restricted_dimension and looked_up.allowed_value is null then 'UNKNOWN_DIMENSION_VALUE'
            when conflicts.customer_key is not null then 'CONFLICTING_DIMENSION_VALUES'
        end as row_rule

    from looked_up

    left join conflicts
        on looked_up.company_key = conflicts.company_key
            and looked_up.customer_key = conflicts.customer_key
            and looked_up.dimension_key = conflicts.dimension_key

),

-- A customer with any rejected dimension row is held back whole: a partial display value
-- would clear the missing dimensions in F&O.
held_back_customers as (

    select
        company_key,
        customer_key,
        count(*) as rejected_rows,
        {{ line_list('source_line') }} as rejected_lines

    from row_rules

    where
        row_rule in (
            'UNKNOWN_DIMENSION',
            'BLANK_DIMENSION_VALUE',
            'INVALID_DIMENSION_VALUE',
            'UNKNOWN_DIMENSION_VALUE',
            'CONFLICTING_DIMENSION_VALUES'
        )

    group by company_key, customer_key

),

ruled as (

    select
        row_rules.*,
        held_back_customers.rejected_rows as customer_rejected_rows,
        held_back_customers.rejected_lines as customer_rejected_lines,
        coalesce(
            row_rules.row_rule,
            case when held_back_customers.customer_key is not null then 'CUSTOMER_REJECTED' end
        ) as rule

    from row_rules

    left join held_back_customers
        on row_rules.company_key = held_back_customers.company_key
            and row_rules.customer_key = held_back_customers.customer_key

),

final as (

    select
        source_file,
        source_line,
        company,
        customer_number,
        dimension,
        legacy_value,
        company_key,
        customer_key,
        dimension_key,
        data_area_id,
        format_dimension,
        format_position,
        -- F&O's spelling when the value list has it, else the mapped value.
        coalesce(allowed_value, mapped_value) as dimension_value,
        rule,
        case rule
            when 'ORPHAN_DIMENSION' then {{ dbt.concat([
                "'There is no customer '''",
                "coalesce(customer_number, '')",
                "''' of company '''",
                "coalesce(company, '')",
                "''' in customers.csv: add the customer to the customer extract or remove this row.'",
            ]) }}
            when 'CUSTOMER_REJECTED'
                then
                    case
                        when is_customer_rejected then {{ dbt.concat([
                            "'The customer record of this row ('",
                            'customer_source_file',
                            "' line '",
                            'cast(customer_source_line as ' ~ dbt.type_string() ~ ')',
                            "') is rejected: fix that record (see its reject rows); its dimension rows are held back with it.'",
                        ]) }}
                        else {{ dbt.concat([
                            "'Customer '''",
                            'customer_number',
                            "''' is held back because other dimension rows of it are rejected (lines '",
                            'customer_rejected_lines',
                            line_list_ellipsis('customer_rejected_rows'),
                            "'): a partial display value would clear the missing dimensions in F&O. Fix those rows.'",
                        ]) }}
                    end
            when 'UNKNOWN_DIMENSION' then {{ dbt.concat([
                "'Dimension '''",
                "coalesce(dimension, '')",
                "''' is not in the dimension format (seed dimension_format): map it to one of the format''s dimensions in the extract, or add it to the format if F&O''s Default dimension format has it.'",
            ]) }}
            when 'BLANK_DIMENSION_VALUE' then {{ dbt.concat([
                "'Dimension '''",
                'dimension',
                "''' has no value: remove the row (a dimension without a row is left empty) or fill in the value.'",
            ]) }}
            when 'INVALID_DIMENSION_VALUE' then {{ dbt.concat([
                "'Value '''",
                'mapped_value',
                "''' of dimension '''",
                'dimension',
                "''' '",
                "case when value_forbidden_character is not null then " ~ dbt.concat(["'contains '", 'value_forbidden_character', "' (a comma, quote, line break, control or invisible character a package cannot carry or F&O cannot look up)'"])
                    ~ " when value_contains_delimiter then 'contains the segment delimiter " ~ dbt.escape_single_quotes(var('dimension_delimiter')) ~ "'"
                    ~ " else " ~ dbt.concat(["'is longer than " ~ var('dimension_value_max_length') ~ " characters ('", 'cast(' ~ dbt.length('mapped_value') ~ ' as ' ~ dbt.type_string() ~ ')', "')'"]) ~ " end",
                "': correct the value in the extract or map it in dimension_value_map.'",
            ]) }}
            when 'UNKNOWN_DIMENSION_VALUE' then {{ dbt.concat([
                "'Value '''",
                'mapped_value',
                "''' does not exist for dimension '''",
                'format_dimension',
                "''' in F&O (seed dimension_values)'",
                "case when mapped_value <> legacy_value then " ~ dbt.concat(["' (mapped from '''", 'legacy_value', "''')'"]) ~ " else '' end",
                "': map the legacy value in dimension_value_map, or create the value in F&O and add it to dimension_values.'",
            ]) }}
            when 'CONFLICTING_DIMENSION_VALUES' then {{ dbt.concat([
                "'Customer has '",
                'cast(conflicting_rows as ' ~ dbt.type_string() ~ ')',
                "' rows with different values for dimension '''",
                'format_dimension',
                "''' (lines '",
                'conflicting_lines',
                line_list_ellipsis('conflicting_rows'),
                "'): keep one value per dimension in the extract.'",
            ]) }}
        end as detail

    from ruled

)

select * from final
