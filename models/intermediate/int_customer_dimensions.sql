-- One row per record of customer_dimensions.csv: its customer (the line of the customer record),
-- its value (the id of its checked pair), a `breaks_<rule>` flag per dimension row rule and the
-- one rule it is rejected for (seed rules: the broken rule of the lowest precedence; NULL when
-- accepted). Narrow on purpose: 25 million rows at 10 million customers; the rejects read what
-- a detail needs by line and by value id.
{%- set own_rules = dimension_row_own_rule_codes() %}
{%- set rules_decided_here = dimension_row_rule_codes() %}

with

rows_checked as (

    select * from {{ ref('int_customer_dimensions__matched') }}

),

rules as (

    select * from {{ ref('rules') }}

),

-- Two different values for one dimension of one customer, both otherwise valid: neither can be
-- chosen. Grouped on integers (the customer's line and the position), not on the text keys.
conflicting_groups as (

    select
        customer_source_line,
        format_position

    from rows_checked

    where not breaks_orphan_dimension
        and not is_customer_rejected
        {%- for rule in own_rules[:-1] %}
        and not breaks_{{ rule | lower }}
        {%- endfor %}

    group by customer_source_line, format_position

    having min(value_key) <> max(value_key)

),

conflicts_marked as (

    select
        rows_checked.*,
        conflicting_groups.customer_source_line is not null as breaks_conflicting_dimension_values

    from rows_checked

    left join conflicting_groups
        on rows_checked.customer_source_line = conflicting_groups.customer_source_line
            and rows_checked.format_position = conflicting_groups.format_position

),

-- A customer with a row that breaks a rule of its own is held back whole (DIMENSION_REJECTED):
-- a partial display value would clear the missing dimensions in F&O.
held_back_customers as (

    select distinct customer_source_line

    from conflicts_marked

    where not breaks_orphan_dimension
        and not is_customer_rejected
        and (
            {%- for rule in own_rules %}
            {{ 'or ' if not loop.first }}breaks_{{ rule | lower }}
            {%- endfor %}
        )

),

flagged as (

    select
        conflicts_marked.*,
        (
            {%- for rule in own_rules %}
            {{ 'or ' if not loop.first }}conflicts_marked.breaks_{{ rule | lower }}
            {%- endfor %}
        ) as breaks_own_rule,
        -- Held back with its customer: a row that breaks no rule of its own.
        conflicts_marked.is_customer_rejected
        or (
            held_back_customers.customer_source_line is not null
            and not (
                {%- for rule in own_rules %}
                {{ 'or ' if not loop.first }}conflicts_marked.breaks_{{ rule | lower }}
                {%- endfor %}
            )
        ) as breaks_customer_rejected

    from conflicts_marked

    left join held_back_customers
        on conflicts_marked.customer_source_line = held_back_customers.customer_source_line

),

rule_precedences as (

    {{ rule_precedences('rules', 'dimension_row', rules_decided_here) }}

),

ruled as (

    select
        flagged.*,
        {{ lowest_broken_precedence(rules_decided_here, 'rule_precedences') }} as rejected_precedence

    from flagged

    cross join rule_precedences

),

final as (

    select
        ruled.source_file,
        ruled.source_line,
        ruled.data_area_id,
        ruled.value_id,
        ruled.format_position,
        ruled.dimension_value,
        ruled.customer_source_file,
        ruled.customer_source_line,
        ruled.is_customer_rejected,
        {%- for rule in rules_decided_here %}
        ruled.breaks_{{ rule | lower }},
        {%- endfor %}
        -- The row holds its (otherwise passing) customer back: DIMENSION_REJECTED.
        not ruled.breaks_orphan_dimension and not ruled.is_customer_rejected and ruled.breaks_own_rule
            as holds_back_customer,
        ruled.rejected_precedence,
        {{ rule_at_precedence('ruled.rejected_precedence', rules_decided_here, 'rule_precedences') }} as rule

    from ruled

    cross join rule_precedences

)

select * from final
