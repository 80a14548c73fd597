-- The reject rows int_customer_dimensions decides: the one rule of each rejected dimension row,
-- and DIMENSION_REJECTED on the customer record a row holds back, with their details
-- (macros/reject_details.sql), built for these rows only.
with

-- Read by several steps below: computed once.
rejected as {{ materialized() }} (

    select * from {{ ref('int_customer_dimensions__rejected_rows') }}

),

customers as (

    select * from {{ ref('int_customers') }}

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

-- The rows that hold a customer back: named on the customer record and on its other rows.
held_back as (

    select
        customer_source_line,
        count(*) as held_back_rows,
        {{ line_list('source_line') }} as held_back_lines

    from rejected

    where holds_back_customer

    group by customer_source_line

),

row_rejects as (

    select
        rejected.*,
        conflicts.conflicting_rows,
        conflicts.conflicting_lines,
        held_back.held_back_rows,
        held_back.held_back_lines

    from rejected

    left join conflicts
        on rejected.customer_source_line = conflicts.customer_source_line
            and rejected.format_position = conflicts.format_position
            and rejected.rule = 'CONFLICTING_DIMENSION_VALUES'

    left join held_back
        on rejected.customer_source_line = held_back.customer_source_line
            and rejected.rule = 'CUSTOMER_REJECTED'

),

customer_rejects as (

    select
        customers.source_file,
        customers.source_line,
        customers.company,
        customers.customer_number,
        'DIMENSION_REJECTED' as rule,
        held_back.held_back_rows,
        held_back.held_back_lines

    from customers

    inner join held_back
        on customers.source_line = held_back.customer_source_line

),

final as (

    select
        source_file,
        source_line,
        company,
        customer_number,
        rule,
        {{ reject_details(dimension_row_rule_codes()) }} as detail

    from row_rejects

    union all

    select
        source_file,
        source_line,
        company,
        customer_number,
        rule,
        {{ reject_details(['DIMENSION_REJECTED']) }} as detail

    from customer_rejects

)

select * from final
