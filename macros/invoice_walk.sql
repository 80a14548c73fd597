{#- Invoice accounts followed from customer to customer by pointer doubling. walk_0 holds, per
    customer on the invoice account graph (an integer id: its line), the walk of one step:
    walk_from, walk_to (the customer it invoices to; NULL where the chain ends), walk_min
    (the smallest id met, the start included: it names a cycle). Each step joins a walk to the walk
    that starts where it ends, so walk_N covers 2^N steps. -#}
{% macro invoice_walk_steps(steps) -%}
    {{ return(adapter.dispatch('invoice_walk_steps', 'd365_customer_migration')(steps)) }}
{%- endmacro %}


{#- DuckDB: a self-join of each step, materialized once. Only unfinished walks are extended;
    a finished one is carried as it is. -#}
{% macro duckdb__invoice_walk_steps(steps) -%}
{%- for step in range(steps) %}
walk_{{ step + 1 }} as materialized (

    select * from walk_{{ step }}

    where walk_to is null

    union all

    select
        first_half.walk_from,
        second_half.walk_to,
        least(first_half.walk_min, second_half.walk_min) as walk_min

    from walk_{{ step }} as first_half

    inner join walk_{{ step }} as second_half
        on first_half.walk_to = second_half.walk_from

),
{% endfor -%}
{%- endmacro %}


{#- Engines that inline CTEs (Spark) would copy a self-joined step 2^N times. Here each step
    reads the previous one once: every walk twice, as the first half of a longer walk (keyed by
    where it ends) and as the second half (keyed by where it starts), and a window brings the
    second half to the first. The two-row VALUES is written out at each use: Spark cannot ship
    one plan node shared by several joins. -#}
{% macro default__invoice_walk_steps(steps) -%}
{%- for step in range(steps) %}
walk_{{ step }}_halves as (

    select
        case when walk_sides.is_first_half = 1 then walk.walk_to else walk.walk_from end as join_id,
        walk_sides.is_first_half,
        walk.walk_from,
        walk.walk_to,
        walk.walk_min

    from walk_{{ step }} as walk

    cross join (values (1), (0)) as walk_sides (is_first_half)

),

walk_{{ step }}_met as (

    select
        walk_from,
        walk_min,
        is_first_half,
        max(case when is_first_half = 0 then walk_to end) over halves as second_walk_to,
        max(case when is_first_half = 0 then walk_min end) over halves as second_walk_min

    from walk_{{ step }}_halves

    window halves as (partition by join_id)

),

walk_{{ step + 1 }} as (

    select
        walk_from,
        second_walk_to as walk_to,
        case when second_walk_min < walk_min then second_walk_min else walk_min end as walk_min

    from walk_{{ step }}_met

    where is_first_half = 1

),
{% endfor -%}
{%- endmacro %}
