-- The extract's values behind a Customer definitions reject, read back for these rows only, and
-- the field at fault in each (macros/customer_definitions.sql).
with

reported as (

    select * from {{ ref('int_customers__reported') }}

),

staged_customers as (

    select * from {{ ref('stg_legacy__customers') }}

),

field_lengths as (

    select * from {{ ref('field_lengths') }}

),

definitions_rejected_lines as (

    select distinct source_line

    from reported

    where entity = 'customer_definitions'

),

definition_texts as (

    select staged_customers.*

    from staged_customers

    inner join definitions_rejected_lines
        on staged_customers.source_line = definitions_rejected_lines.source_line

),

final as (

    {{ definition_faults('definition_texts', 'field_lengths') }}

)

select * from final
