{#-
    Follows invoice accounts from customer to customer, by pointer doubling, linear in the
    number of customers: the final invoice account outcome of every record whose account passed
    its checks.

    Every customer has at most one invoice account, so following them is a function f. hop_i
    holds, per customer x, f^(2^i)(x) (NULL once the walk has ended), the smallest key and
    whether a customer rejected for its invoice account was met on the way. hop_(i+1) is hop_i
    joined to itself on a unique key (as a window over hop_i read once, so that no engine
    copies it), N = var('invoice_cycle_doubling_steps') steps.

    - Cycles: the customers still reached after 2^N steps lie on a cycle. Every member is
      reached from the member 2^N steps behind it; a customer off the cycle is reached only by
      chains no longer than its depth (a chain deeper than 2^N would count too: the var says
      how far to look). The smallest key over a full turn names the cycle.
    - Rejection travels up a chain: a customer whose invoice account is a customer rejected
      for its own invoice account (not found, invalid, rejected, cycle) is rejected too, as
      INVOICE_ACCOUNT_REJECTED. Only references to migrated customers are followed: a target
      customer's own invoice account is not known. A self-reference is no edge (it is `self`).
-#}
{%- set steps = var('invoice_cycle_doubling_steps') | int -%}

with

invoice_accounts as (

    select * from {{ ref('int_customers__invoice_resolved') }}

),

-- Only customers on the invoice account graph are walked: those that name a migrated customer
-- as invoice account, and those named so. Every other walk ends where it starts (in walked).
hop_0 as (

    select
        data_area_key,
        customer_key as from_key,
        case
            when invoice_account_status = 'resolved' and invoice_account_origin = 'migrated'
                then invoice_account_key
        end as to_key,
        customer_key as min_key,
        case
            when invoice_account_status in ('invalid', 'rejected', 'not_found') then 1 else 0
        end as meets_rejected

    from invoice_accounts

    where (invoice_account_status = 'resolved' and invoice_account_origin = 'migrated')
        or exists (
            select invoicing.customer_key
            from invoice_accounts as invoicing
            where invoicing.data_area_key = invoice_accounts.data_area_key
                and invoicing.invoice_account_key = invoice_accounts.customer_key
                and invoicing.invoice_account_status = 'resolved'
                and invoicing.invoice_account_origin = 'migrated'
        )

),

{% for step in range(steps) %}
-- Every walk of hop_{{ step }} twice: as the first half of a walk twice as long, keyed by
-- where it ends (by_end 1), and as the second half, keyed by where it starts (by_end 0).
-- Each step reads the previous one once this way and never joins it to itself: an engine
-- that inlines CTEs (Spark) would copy a self-joined step 2^N times. The two-row VALUES is
-- written out at each use: Spark cannot ship one plan node shared by several joins.
hop_{{ step }}_halves as (

    select
        walk.data_area_key,
        case when walk_sides.by_end = 1 then walk.to_key else walk.from_key end as join_key,
        walk_sides.by_end as is_first_half,
        walk.from_key,
        walk.to_key,
        walk.min_key,
        walk.meets_rejected

    from hop_{{ step }} as walk

    cross join (values (1), (0)) as walk_sides (by_end)

),

-- Each first half meets the second half that starts where it ends (at most one: keys are
-- unique per legal entity).
hop_{{ step }}_met as (

    select
        data_area_key,
        from_key,
        min_key,
        meets_rejected,
        is_first_half,
        max(case when is_first_half = 0 then to_key end) over halves as second_to_key,
        max(case when is_first_half = 0 then min_key end) over halves as second_min_key,
        max(case when is_first_half = 0 then meets_rejected end) over halves as second_meets_rejected

    from hop_{{ step }}_halves

    window halves as (partition by data_area_key, join_key)

),

hop_{{ step + 1 }} as (

    select
        data_area_key,
        from_key,
        second_to_key as to_key,
        case
            when second_min_key < min_key then second_min_key
            else min_key
        end as min_key,
        case
            when second_meets_rejected > meets_rejected then second_meets_rejected
            else meets_rejected
        end as meets_rejected

    from hop_{{ step }}_met

    where is_first_half = 1

),

{% endfor %}
-- Every walk of 2^N steps twice: by where it ends and by where it starts.
walk_ends as (

    select
        walk.data_area_key,
        case when walk_sides.by_end = 1 then walk.to_key else walk.from_key end as customer_key,
        walk_sides.by_end as is_end,
        walk.to_key,
        walk.min_key,
        walk.meets_rejected

    from hop_{{ steps }} as walk

    cross join (values (1), (0)) as walk_sides (by_end)

),

-- A customer is on a cycle when some walk ends at it (hop_N read once, as above).
reached as (

    select
        *,
        max(is_end) over (partition by data_area_key, customer_key) as is_reached

    from walk_ends

),

walks as (

    select
        data_area_key,
        customer_key as from_key,
        to_key,
        min_key,
        meets_rejected,
        is_reached = 1 as is_on_cycle

    from reached

    where is_end = 0

),

walked as (

    select
        invoice_accounts.*,
        coalesce(walks.is_on_cycle, false) as is_on_cycle,
        walks.to_key is not null as is_walk_unfinished,
        coalesce(walks.meets_rejected = 1, false) as meets_rejected,
        case when walks.is_on_cycle then walks.min_key end as cycle_key

    from invoice_accounts

    left join walks
        on invoice_accounts.data_area_key = walks.data_area_key
            and invoice_accounts.customer_key = walks.from_key

),

cycles as (

    select
        data_area_key,
        cycle_key,
        count(*) as cycle_length,
        {{ dbt.listagg('customer_number', "', '", 'order by customer_number', var('detail_max_listed_lines')) }}
            as cycle_accounts,
        {{ line_list('source_line') }} as cycle_lines

    from walked

    where is_on_cycle

    group by data_area_key, cycle_key

),

with_outcome as (

    select
        walked.*,
        cycles.cycle_length,
        cycles.cycle_accounts,
        cycles.cycle_lines,
        -- The line of the migrated customer the invoice account names, for the detail.
        invoice_target.source_line as invoice_target_line,
        case
            when walked.invoice_account_status in ('invalid', 'rejected', 'not_found')
                then walked.invoice_account_status
            when walked.is_on_cycle then 'cycle'
            -- past a rejected customer, or into a cycle (a walk still running off the cycle)
            when walked.meets_rejected or walked.is_walk_unfinished then 'rejected'
            else walked.invoice_account_status
        end as final_status

    from walked

    left join cycles
        on walked.data_area_key = cycles.data_area_key
            and walked.cycle_key = cycles.cycle_key

    left join invoice_accounts as invoice_target
        on walked.data_area_key = invoice_target.data_area_key
            and walked.invoice_account_key = invoice_target.customer_key
            and walked.invoice_account_origin = 'migrated'

),

final as (

    select
        source_file,
        source_line,
        company,
        customer_number,
        bill_to_customer_number,
        company_key,
        customer_key,
        data_area_id,
        data_area_key,
        final_status as invoice_account_status,
        case when final_status = 'resolved' then invoice_account end as invoice_account,
        is_on_cycle,
        cycle_key,
        cycle_length,
        case
            when final_status = invoice_account_status and final_status in ('invalid', 'rejected', 'not_found')
                then invoice_reject_detail
            when final_status = 'cycle' then {{ dbt.concat([
                "'The invoice accounts of '",
                'cast(cycle_length as ' ~ dbt.type_string() ~ ')',
                "' customers of '",
                'data_area_id',
                "' lead round in a cycle ('",
                'cycle_accounts',
                line_list_ellipsis('cycle_length'),
                "'; lines '",
                'cycle_lines',
                line_list_ellipsis('cycle_length'),
                "'): change the bill-to customer number of at least one of them so that the chain ends at a customer that is invoiced itself.'",
            ]) }}
            when final_status = 'rejected' then {{ dbt.concat([
                "'Invoice account '''",
                'bill_to_customer_number',
                "''' points to a customer of '",
                'data_area_id',
                "' that is rejected for its own invoice account (line '",
                "coalesce(cast(invoice_target_line as " ~ dbt.type_string() ~ "), '?')",
                "'): fix that customer first; this record is held back until then.'",
            ]) }}
        end as invoice_reject_detail

    from with_outcome

)

select * from final
