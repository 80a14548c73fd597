-- One row per record of customers.csv: its keys as F&O compares them (computed once, here),
-- its legal entity, what Customer definitions needs, its invoice account, a `breaks_<rule>`
-- flag per customer rule, and per entity the precedence it is rejected at (seed rules: the
-- lowest broken, NULL when it passes).
{%- set rules_decided_here = customer_rule_codes() %}
{%- set definitions_rules = account_rule_codes() + definition_rule_codes() %}
{%- set details_rules = account_rule_codes() + detail_rule_codes() %}

with

invoice_accounts as (

    select * from {{ ref('int_customers__invoice_accounts') }}

),

rules as (

    select * from {{ ref('rules') }}

),

invoice_checked as {{ materialized() }} (

    select
        *,
        -- Details V2 updates customers only: this one is neither created nor already there.
        not is_account_rejected and is_definition_rejected and not is_target_customer as breaks_customer_not_created,
        coalesce(invoice_forbidden_character is not null, false) as breaks_invalid_invoice_account,
        coalesce(is_not_found, false) as breaks_invoice_account_not_found,
        case when invoice_forbidden_character is null then existing_account end as invoice_account,
        -- Chains are followed through migrated customers only (a target's own invoice account
        -- is not known); invoice_account_line names only customers that will be created.
        invoice_account_line is not null and invoice_forbidden_character is null as has_invoice_edge

    from invoice_accounts

),

-- Customers named as invoice account by an edge: walked too, so that a chain is seen whole.
invoice_targets as (

    select distinct invoice_account_line as target_line

    from invoice_checked

    where has_invoice_edge

),

walk_0 as {{ materialized() }} (

    select
        invoice_checked.source_line as walk_from,
        case when invoice_checked.has_invoice_edge then invoice_checked.invoice_account_line end as walk_to,
        invoice_checked.source_line as walk_min

    from invoice_checked

    left join invoice_targets
        on invoice_checked.source_line = invoice_targets.target_line

    where invoice_checked.has_invoice_edge or invoice_targets.target_line is not null

),

{{ invoice_walk_steps(var('invoice_cycle_doubling_steps') | int) }}

-- A customer is on a cycle when a walk of 2^N steps ends at it (its own, after a full turn).
walk_ends as (

    select distinct walk_to as reached_line

    from walk_{{ var('invoice_cycle_doubling_steps') | int }}

    where walk_to is not null

),

walked as (

    select
        invoice_checked.*,
        walk_ends.reached_line is not null as breaks_invoice_account_cycle,
        -- A customer whose details are held back still exists: only one that is not created
        -- (and not a target customer) fails the customers that name it.
        invoice_checked.invoice_account_rejected_line is not null as breaks_invoice_account_rejected,
        case when walk_ends.reached_line is not null then walk.walk_min end as invoice_cycle_id

    from invoice_checked

    left join walk_{{ var('invoice_cycle_doubling_steps') | int }} as walk
        on invoice_checked.source_line = walk.walk_from

    left join walk_ends
        on invoice_checked.source_line = walk_ends.reached_line

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
        walked.party_type_id,
        walked.customer_group_id,
        walked.currency_code,
        walked.country_region_id,
        walked.language_id,
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
