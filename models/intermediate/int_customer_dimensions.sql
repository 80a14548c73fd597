-- One row per record of customer_dimensions.csv: its customer (the line of the customer record),
-- its value (the id of its checked pair), a `breaks_<rule>` flag per dimension row rule and the
-- one rule it is rejected for (seed rules: the broken rule of the lowest precedence; NULL when
-- accepted). Narrow on purpose (25 million rows at 10 million customers): the rejects read what a
-- detail needs by line and by value id.
{%- set own_rules = dimension_row_own_rule_codes() %}
{%- set rules_decided_here = dimension_row_rule_codes() %}
{%- set positions = dimension_format_positions() %}
{#- A row's value can be chosen: it breaks no rule of its own but (maybe) the conflict; two
    different such values at one position conflict. -#}
{%- set otherwise_valid -%}
{%- for rule in own_rules[:-1] %}{{ ' and ' if not loop.first }}not breaks_{{ rule | lower }}{% endfor -%}
{%- endset %}
{%- set conflicting -%}
{%- for position in positions %}lowest_value_{{ position }} <> highest_value_{{ position }} or {% endfor %}false
{%- endset %}

with

rows_checked as (

    select * from {{ ref('int_customer_dimensions__matched') }}

),

rules as (

    select * from {{ ref('rules') }}

),

-- Per customer, in one pass over its rows (not orphan, customer not rejected): for each position
-- of the format, the lowest and highest of its otherwise valid values (two different ones
-- conflict: neither can be chosen), and whether a row breaks another rule of its own. One group
-- per customer, not per customer and position, on integers: at 10M customers half the spill.
customer_rows as (

    select
        customer_source_line,
        {%- for position in positions %}
        min(case when {{ otherwise_valid }} and format_position = {{ position }} then value_key_id end)
            as lowest_value_{{ position }},
        max(case when {{ otherwise_valid }} and format_position = {{ position }} then value_key_id end)
            as highest_value_{{ position }},
        {%- endfor %}
        {{ dbt.bool_or('not (' ~ otherwise_valid ~ ')') }} as breaks_other_own_rule

    from rows_checked

    where not breaks_orphan_dimension
        and not is_customer_rejected

    group by customer_source_line

),

-- A customer with a row that breaks a rule of its own is held back whole (DIMENSION_REJECTED):
-- a partial display value would clear the missing dimensions in F&O.
held_back_customers as (

    select
        customer_source_line,
        {%- for position in positions %}
        coalesce(lowest_value_{{ position }} <> highest_value_{{ position }}, false) as conflicts_at_{{ position }},
        {%- endfor %}
        breaks_other_own_rule

    from customer_rows

    where breaks_other_own_rule or {{ conflicting }}

),

conflicts_marked as (

    select
        rows_checked.*,
        held_back_customers.customer_source_line is not null as is_held_back,
        coalesce(
            {%- for position in positions %}
            case when rows_checked.format_position = {{ position }} then held_back_customers.conflicts_at_{{ position }} end,
            {%- endfor %}
            false
        ) as breaks_conflicting_dimension_values

    from rows_checked

    left join held_back_customers
        on rows_checked.customer_source_line = held_back_customers.customer_source_line

),

flagged as (

    select
        *,
        not ({{ otherwise_valid }}) or breaks_conflicting_dimension_values as breaks_own_rule,
        -- Held back with its customer: a row that breaks no rule of its own.
        is_customer_rejected
        or (is_held_back and {{ otherwise_valid }} and not breaks_conflicting_dimension_values)
            as breaks_customer_rejected

    from conflicts_marked

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
