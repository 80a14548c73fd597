-- The reject rows of customer records for the rules int_customers decides: each broken rule of
-- the precedence a record is rejected at in each entity (several rules of one precedence are
-- reported together), with its detail (macros/reject_details.sql), built for these rows only.
-- `entity` says which rejects mart a row belongs to: an account rule (`all`) rejects both.
{%- set customer_rules = customer_rule_codes() %}

with

-- Read here and by the two read-backs below: DuckDB computes int_customers__reported once (a CTE
-- read several times) and each step here reads that, not a copy.
reported as {{ not_materialized() }} (

    select * from {{ ref('int_customers__reported') }}

),

definition_faults as (

    select * from {{ ref('int_customers__definition_faults') }}

),

other_legal_entities as (

    select * from {{ ref('int_customers__other_legal_entities') }}

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
