-- One row per record of customer_dimensions.csv: its customer's keys, its mapped value, a
-- `breaks_<rule>` flag per dimension row rule and the one rule it is rejected for (seed rules:
-- the broken rule of the lowest precedence; NULL when accepted).
{%- set own_rules = dimension_row_own_rule_codes() %}
{%- set rules_decided_here = dimension_row_rule_codes() %}

with

dimensions as (

    select * from {{ ref('stg_legacy__customer_dimensions') }}

),

value_verdicts as (

    select * from {{ ref('int_dimension_values__checked') }}

),

customers as (

    select * from {{ ref('int_customers') }}

),

legal_entities as (

    select * from {{ ref('legal_entities') }}

),

rules as (

    select * from {{ ref('rules') }}

),

legal_entities_keyed as (

    {{ legal_entities_keyed('legal_entities') }}

),

-- One status per legacy customer key (duplicates are all rejected, so none is "the" customer);
-- its first line is the customer's integer id here and in the marts.
customer_status as (

    select
        company_key,
        customer_key,
        {{ dbt.bool_or('rejected_precedence is not null') }} as is_customer_rejected,
        min(source_file) as customer_source_file,
        min(source_line) as customer_source_line

    from customers

    where company_key is not null
        and customer_key is not null

    group by company_key, customer_key

),

rows_keyed as (

    select
        source_file,
        source_line,
        company,
        customer_number,
        dimension,
        legacy_value,
        {{ normalized_key('company') }} as company_key,
        {{ normalized_key('customer_number') }} as customer_key

    from dimensions

),

rows_checked as {{ materialized() }} (

    select
        rows_keyed.*,
        legal_entities_keyed.data_area_id,
        value_verdicts.format_dimension,
        value_verdicts.format_position,
        value_verdicts.mapped_value,
        value_verdicts.value_key,
        value_verdicts.dimension_value,
        value_verdicts.value_forbidden_character,
        value_verdicts.value_contains_delimiter,
        value_verdicts.value_length,
        customer_status.customer_source_file,
        customer_status.customer_source_line,
        customer_status.customer_key is null as breaks_orphan_dimension,
        coalesce(customer_status.is_customer_rejected, false) as is_customer_rejected,
        value_verdicts.breaks_unknown_dimension,
        value_verdicts.breaks_blank_dimension_value,
        value_verdicts.breaks_invalid_dimension_value,
        value_verdicts.breaks_unknown_dimension_value

    from rows_keyed

    left join legal_entities_keyed
        on rows_keyed.company_key = legal_entities_keyed.company_key

    left join value_verdicts
        on coalesce(rows_keyed.dimension, '') = value_verdicts.dimension_as_extracted
            and coalesce(rows_keyed.legacy_value, '') = value_verdicts.legacy_value_as_extracted

    left join customer_status
        on rows_keyed.company_key = customer_status.company_key
            and rows_keyed.customer_key = customer_status.customer_key

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
        ruled.company,
        ruled.customer_number,
        ruled.dimension,
        ruled.legacy_value,
        ruled.company_key,
        ruled.customer_key,
        ruled.data_area_id,
        ruled.format_dimension,
        ruled.format_position,
        ruled.mapped_value,
        ruled.dimension_value,
        ruled.value_forbidden_character,
        ruled.value_contains_delimiter,
        ruled.value_length,
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
