-- One row per record of customers.csv: its keys as F&O compares them (computed once, here),
-- its legal entity and invoice account, a `breaks_<rule>` flag per customer rule, and the
-- precedence it is rejected at (seed rules: the lowest broken, NULL when it passes).
{%- set rules_decided_here = customer_rule_codes() %}

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
        coalesce(invoice_forbidden_character is not null, false) as breaks_invalid_invoice_account,
        coalesce(is_not_found, false) as breaks_invoice_account_not_found,
        case when invoice_forbidden_character is null then existing_account end as invoice_account,
        -- Chains are followed through migrated customers only (a target's own invoice account
        -- is not known).
        invoice_account_line is not null
        and invoice_forbidden_character is null
        and invoice_account_rejected_line is null as has_invoice_edge,
        coalesce(
            invoice_forbidden_character is not null or invoice_account_rejected_line is not null or is_not_found,
            false
        ) as is_invoice_dead_end

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
        invoice_checked.source_line as walk_min,
        case when invoice_checked.is_invoice_dead_end then 1 else 0 end as meets_dead_end

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
        invoice_checked.invoice_account_rejected_line is not null
        -- past a customer rejected for its invoice account, or into a cycle
        or coalesce(walk.meets_dead_end = 1 or (walk.walk_to is not null and walk_ends.reached_line is null), false)
            as breaks_invoice_account_rejected,
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
        {%- for rule in rules_decided_here %}
        walked.breaks_{{ rule | lower }},
        {%- endfor %}
        walked.account_forbidden_character,
        walked.invoice_forbidden_character,
        walked.invoice_account_line,
        walked.invoice_account_rejected_line,
        walked.invoice_cycle_id,
        {{ lowest_broken_precedence(rules_decided_here, 'rule_precedences') }} as rejected_precedence,
        case
            when {{ lowest_broken_precedence(rules_decided_here, 'rule_precedences') }} is null
                then walked.invoice_account
        end as invoice_account

    from walked

    cross join rule_precedences

)

select * from final
