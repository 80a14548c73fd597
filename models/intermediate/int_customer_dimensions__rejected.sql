-- The reject rows of dimension rows: the one rule each rejected row breaks, with its detail.
-- Details are built for these rows only.
with

dimension_rows as (

    select * from {{ ref('int_customer_dimensions') }}

),

rejected as {{ materialized() }} (

    select * from dimension_rows

    where rule is not null

),

conflicts as (

    select
        customer_source_line,
        format_position,
        count(*) as conflicting_rows,
        {{ line_list('source_line') }} as conflicting_lines

    from rejected

    where rule = 'CONFLICTING_DIMENSION_VALUES'

    group by customer_source_line, format_position

),

-- The rows that hold a customer back, for its other rows' detail.
held_back as (

    select
        customer_source_line,
        count(*) as rejected_rows,
        {{ line_list('source_line') }} as rejected_lines

    from rejected

    where holds_back_customer

    group by customer_source_line

),

detailed as (

    select
        rejected.source_file,
        rejected.source_line,
        rejected.company,
        rejected.customer_number,
        rejected.rule,
        case rejected.rule
            when 'ORPHAN_DIMENSION' then {{ dbt.concat([
                "'There is no customer '''", "coalesce(rejected.customer_number, '')", "''' of company '''",
                "coalesce(rejected.company, '')", "''' in customers.csv: add the customer to the customer extract or remove this row.'",
            ]) }}
            when 'CUSTOMER_REJECTED'
                then
                    case
                        when rejected.is_customer_rejected then {{ dbt.concat([
                            "'The customer record of this row ('", 'rejected.customer_source_file', "' line '",
                            'cast(rejected.customer_source_line as ' ~ dbt.type_string() ~ ')',
                            "') is rejected: fix that record (see its reject rows); its dimension rows are held back with it.'",
                        ]) }}
                        else {{ dbt.concat([
                            "'Customer '''", 'rejected.customer_number', "''' is held back because other dimension rows of it are rejected (lines '",
                            'held_back.rejected_lines', line_list_ellipsis('held_back.rejected_rows'),
                            "'): a partial display value would clear the missing dimensions in F&O. Fix those rows.'",
                        ]) }}
                    end
            when 'UNKNOWN_DIMENSION' then {{ dbt.concat([
                "'Dimension '''", "coalesce(rejected.dimension, '')",
                "''' is not in the dimension format (seed dimension_format): map it to one of the format''s dimensions in the extract, or add it to the format if F&O''s Default dimension format has it.'",
            ]) }}
            when 'BLANK_DIMENSION_VALUE' then {{ dbt.concat([
                "'Dimension '''", 'rejected.dimension',
                "''' has no value: remove the row (a dimension without a row is left empty) or fill in the value.'",
            ]) }}
            when 'INVALID_DIMENSION_VALUE' then {{ dbt.concat([
                "'Value '''", 'rejected.mapped_value', "''' of dimension '''", 'rejected.dimension', "''' '",
                "case when rejected.value_forbidden_character is not null then " ~ dbt.concat(["'contains '", 'rejected.value_forbidden_character', "' (a comma, quote, line break, control or invisible character a package cannot carry or F&O cannot look up)'"])
                    ~ " when rejected.value_contains_delimiter then 'contains the segment delimiter " ~ dbt.escape_single_quotes(var('dimension_delimiter')) ~ "'"
                    ~ " else " ~ dbt.concat(["'is longer than " ~ var('dimension_value_max_length') ~ " characters as F&O counts them, UTF-16 code units ('", 'cast(rejected.value_length as ' ~ dbt.type_string() ~ ')', "')'"]) ~ " end",
                "': correct the value in the extract or map it in dimension_value_map.'",
            ]) }}
            when 'UNKNOWN_DIMENSION_VALUE' then {{ dbt.concat([
                "'Value '''", 'rejected.mapped_value', "''' does not exist for dimension '''", 'rejected.format_dimension',
                "''' in F&O (seed dimension_values)'",
                "case when rejected.mapped_value <> rejected.legacy_value then " ~ dbt.concat(["' (mapped from '''", 'rejected.legacy_value', "''')'"]) ~ " else '' end",
                "': map the legacy value in dimension_value_map, or create the value in F&O and add it to dimension_values.'",
            ]) }}
            when 'CONFLICTING_DIMENSION_VALUES' then {{ dbt.concat([
                "'Customer has '", 'cast(conflicts.conflicting_rows as ' ~ dbt.type_string() ~ ')',
                "' rows with different values for dimension '''", 'rejected.format_dimension', "''' (lines '",
                'conflicts.conflicting_lines', line_list_ellipsis('conflicts.conflicting_rows'),
                "'): keep one value per dimension in the extract.'",
            ]) }}
        end as detail

    from rejected

    left join conflicts
        on rejected.customer_source_line = conflicts.customer_source_line
            and rejected.format_position = conflicts.format_position
            and rejected.rule = 'CONFLICTING_DIMENSION_VALUES'

    left join held_back
        on rejected.customer_source_line = held_back.customer_source_line
            and rejected.rule = 'CUSTOMER_REJECTED'

),

final as (

    select * from detailed

)

select * from final
