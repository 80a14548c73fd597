-- One row per record of customers.csv: its keys as F&O compares them (computed once, here),
-- its legal entity, its invoice account, a `breaks_<rule>` flag per customer rule, and per
-- entity the precedence it is rejected at (seed rules: the lowest broken, NULL when it passes).
{%- set rules_decided_here = customer_rule_codes() %}
{%- set definitions_rules = account_rule_codes() + definition_rule_codes() %}
{%- set details_rules = account_rule_codes() + detail_rule_codes() %}

with

invoice_accounts as (

    select * from {{ ref('int_customers__invoice_accounts') }}

),

invoice_cycles as (

    select * from {{ ref('int_customers__invoice_cycles') }}

),

rules as (

    select * from {{ ref('rules') }}

),

invoice_checked as (

    select
        *,
        -- Details V2 updates customers only: this one is neither created nor already there.
        not is_account_rejected and is_definition_rejected and not is_target_customer as breaks_customer_not_created,
        coalesce(invoice_forbidden_character is not null, false) as breaks_invalid_invoice_account,
        coalesce(is_not_found, false) as breaks_invoice_account_not_found,
        case when invoice_forbidden_character is null then existing_account end as invoice_account

    from invoice_accounts

),

walked as (

    select
        invoice_checked.*,
        invoice_cycles.source_line is not null as breaks_invoice_account_cycle,
        -- A customer whose details are held back still exists: only one that is not created
        -- (and not a target customer) fails the customers that name it.
        invoice_checked.invoice_account_rejected_line is not null as breaks_invoice_account_rejected,
        invoice_cycles.invoice_cycle_id

    from invoice_checked

    left join invoice_cycles
        on invoice_checked.source_line = invoice_cycles.source_line

),

rule_precedences as (

    {{ rule_precedences('rules', 'customer', rules_decided_here) }}

),

final as (

    select
        walked.source_file,
        walked.source_line,
        walked.company,
        walked.customer_number,
        walked.bill_to_customer_number,
        walked.company_key,
        walked.customer_key,
        walked.bill_to_key,
        walked.data_area_id,
        walked.data_area_key,
        walked.is_account_rejected,
        walked.is_target_customer,
        {%- for rule in rules_decided_here %}
        walked.breaks_{{ rule | lower }},
        {%- endfor %}
        walked.account_forbidden_character,
        walked.invoice_forbidden_character,
        walked.invoice_account_line,
        walked.invoice_account_rejected_line,
        walked.invoice_cycle_id,
        {{ lowest_broken_precedence(definitions_rules, 'rule_precedences') }} as definitions_rejected_precedence,
        {{ lowest_broken_precedence(details_rules, 'rule_precedences') }} as rejected_precedence,
        case
            when {{ lowest_broken_precedence(details_rules, 'rule_precedences') }} is null
                then walked.invoice_account
        end as invoice_account

    from walked

    cross join rule_precedences

)

select * from final
