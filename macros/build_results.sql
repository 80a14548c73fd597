{#- The result of every node dbt ran, kept in the database it ran against (on-run-end in
    dbt_project.yml): the latest per node. `loader export` opens its gate on these, not on
    target/run_results.json, which any dbt command rewrites (`dbt docs generate` leaves compile
    results there) and which says nothing of the database it was built against. Spark writes
    nothing here: an export from Parquet reads run_results.json. -#}
{% macro record_build_results(results) -%}
    {{ return(adapter.dispatch('record_build_results', 'd365_customer_migration')(results)) }}
{%- endmacro %}

{% macro default__record_build_results(results) -%}
{%- endmacro %}

{% macro duckdb__record_build_results(results) -%}
    {%- if execute and results -%}
    create schema if not exists {{ build_results_relation().schema }};
    create table if not exists {{ build_results_relation() }} (
        unique_id varchar primary key,
        status varchar not null,
        failures bigint,
        started_at timestamp,
        invocation_id varchar not null
    );
    insert or replace into {{ build_results_relation() }} values
    {%- for result in results %}
        (
            '{{ result.node.unique_id }}',
            '{{ result.status }}',
            {{ result.failures if result.failures is not none else 'null' }},
            {{ build_result_started_at(result) }},
            '{{ invocation_id }}'
        ){{ ',' if not loop.last else ';' }}
    {%- endfor %}
    {%- endif -%}
{%- endmacro %}

{#- Where the results are kept: loader.gate reads the same name. -#}
{% macro build_results_relation() -%}
    {{ return(api.Relation.create(database=target.database, schema='dbt_results', identifier='latest')) }}
{%- endmacro %}

{#- When dbt started executing the node (UTC, as run_results.json has it); NULL when it did not. -#}
{% macro build_result_started_at(result) -%}
    {%- set started = [] -%}
    {%- for timing in result.timing if timing.name == 'execute' and timing.started_at -%}
        {%- do started.append(timing.started_at.strftime('%Y-%m-%d %H:%M:%S.%f')) -%}
    {%- endfor -%}
    {{ "timestamp '" ~ started[0] ~ "'" if started else 'null' }}
{%- endmacro %}
