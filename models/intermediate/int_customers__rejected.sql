-- The reject rows of customer records for the rules int_customers decides: each broken rule of
-- the precedence a record is rejected at in each entity (several rules of one precedence are
-- reported together), with its detail (macros/reject_details.sql), built for these rows only.
-- `entity` says which rejects mart a row belongs to: an account rule (`all`) rejects both.
{%- set customer_rules = customer_rule_codes() %}

with

customers as {{ not_materialized() }} (

    select * from {{ ref('int_customers') }}

),

staged_customers as (

    select * from {{ ref('stg_legacy__customers') }}

),

field_lengths as (

    select * from {{ ref('field_lengths') }}

),

target_customers as (

    select * from {{ ref('stg_fo__target_customers') }}

),

rules as (

    select * from {{ ref('rules') }}

),

rejected_customers as (

    select *

    from customers

    where rejected_precedence is not null
        or definitions_rejected_precedence is not null

),

reported as {{ materialized() }} (

    select
        rejected_customers.*,
        rules.rule,
        rules.entity

    from rejected_customers

    inner join rules
        on rules.grain = 'customer'
            and (
                (
                    rules.entity in ('all', 'customer_details_v2')
                    and rejected_customers.rejected_precedence = rules.precedence
                )
                or (
                    rules.entity = 'customer_definitions'
                    and rejected_customers.definitions_rejected_precedence = rules.precedence
                )
            )

    where {{ breaks_rule('rules.rule', customer_rules) }}

),

definitions_rejected_lines as (

    select distinct source_line

    from reported

    where entity = 'customer_definitions'

),

-- The extract's values behind a Customer definitions reject, read back for these rows only.
definition_texts as (

    select staged_customers.*

    from staged_customers

    inner join definitions_rejected_lines
        on staged_customers.source_line = definitions_rejected_lines.source_line

),

definition_faults as (

    {{ definition_faults('definition_texts', 'field_lengths') }}

),

duplicates as (

    select
        data_area_key,
        customer_key,
        count(*) as records_with_key,
        {{ line_list('source_line') }} as lines_with_key

    from reported

    where rule = 'DUPLICATE_ACCOUNT'

    group by data_area_key, customer_key

),

cycles as (

    select
        data_area_key,
        invoice_cycle_id,
        count(*) as cycle_length,
        {{ dbt.listagg('customer_number', "', '", 'order by customer_number', var('detail_max_listed_lines')) }}
            as cycle_accounts,
        {{ line_list('source_line') }} as cycle_lines

    from reported

    where rule = 'INVOICE_ACCOUNT_CYCLE'

    group by data_area_key, invoice_cycle_id

),

not_found_keys as (

    select bill_to_key

    from reported

    where rule = 'INVOICE_ACCOUNT_NOT_FOUND'

),

-- For a bill-to not found in its legal entity: the legal entities that have the key, as a hint.
accounts_elsewhere as (

    select
        customer_key,
        data_area_id

    from customers

    where not is_account_rejected
        and customer_key in (select not_found_keys.bill_to_key from not_found_keys)

    union

    select
        {{ normalized_key('customer_account') }} as customer_key,
        {{ trim_spaces('data_area_id') }} as data_area_id

    from target_customers

    where data_area_id is not null

),

other_legal_entities as (

    select
        customer_key,
        {{ dbt.listagg('data_area_id', "', '", 'order by data_area_id') }} as other_data_area_ids

    from accounts_elsewhere

    group by customer_key

),

with_context as (

    select
        reported.*,
        duplicates.records_with_key,
        duplicates.lines_with_key,
        cycles.cycle_length,
        cycles.cycle_accounts,
        cycles.cycle_lines,
        other_legal_entities.other_data_area_ids,
        definition_faults.*

    from reported

    left join duplicates
        on reported.data_area_key = duplicates.data_area_key
            and reported.customer_key = duplicates.customer_key
            and reported.rule = 'DUPLICATE_ACCOUNT'

    left join cycles
        on reported.data_area_key = cycles.data_area_key
            and reported.invoice_cycle_id = cycles.invoice_cycle_id
            and reported.rule = 'INVOICE_ACCOUNT_CYCLE'

    left join other_legal_entities
        on reported.bill_to_key = other_legal_entities.customer_key
            and reported.rule = 'INVOICE_ACCOUNT_NOT_FOUND'

    left join definition_faults
        on reported.source_line = definition_faults.fault_line
            and reported.entity = 'customer_definitions'

),

final as (

    select
        source_file,
        source_line,
        company,
        customer_number,
        entity,
        rule,
        {{ reject_details(customer_rules) }} as detail

    from with_context

)

select * from final
