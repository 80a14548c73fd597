-- The customer records on an invoice-account cycle (A to B to A), each with the cycle's id, its
-- smallest line. Chains are walked on lines, not keys, by doubling: each step joins the walks to
-- themselves, so after N steps every walk has gone 2^N hops or ended.
with

invoice_lookups as (

    select * from {{ ref('int_customers__invoice_lookups') }}

),

-- Chains are followed through the records whose details go out (created, or a target
-- customer in the extract); a target customer not in the extract has no known invoice account.
invoice_edges as (

    select
        source_line,
        invoice_account_line

    from invoice_lookups

    where invoice_account_line is not null
        and invoice_forbidden_character is null

),

-- Customers named as invoice account by an edge: walked too, so that a chain is seen whole.
invoice_targets as (

    select distinct invoice_account_line as target_line

    from invoice_edges

),

-- Each edge, and each target that names nobody itself (a walk that has ended).
walk_0 as {{ materialized() }} (

    select
        coalesce(invoice_edges.source_line, invoice_targets.target_line) as walk_from,
        invoice_edges.invoice_account_line as walk_to,
        coalesce(invoice_edges.source_line, invoice_targets.target_line) as walk_min

    from invoice_edges

    full outer join invoice_targets
        on invoice_edges.source_line = invoice_targets.target_line

),

{{ invoice_walk_steps(var('invoice_cycle_doubling_steps') | int) }}

-- A customer is on a cycle when a walk of 2^N steps ends at it (its own, after a full turn).
walk_ends as (

    select distinct walk_to as reached_line

    from walk_{{ var('invoice_cycle_doubling_steps') | int }}

    where walk_to is not null

),

-- A member's own walk has gone round its cycle: its smallest line is the cycle's.
final as (

    select
        walk.walk_from as source_line,
        walk.walk_min as invoice_cycle_id

    from walk_{{ var('invoice_cycle_doubling_steps') | int }} as walk

    inner join walk_ends
        on walk.walk_from = walk_ends.reached_line

)

select * from final
