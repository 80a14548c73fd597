-- Every seed holds values F&O can take (macros/seed_checks.sql says what each must hold): one
-- row per problem, naming the seed. `dbt test --select assert_seeds_are_valid --store-failures`
-- keeps them in the table main_dbt_test__audit.assert_seeds_are_valid.
{%- set checks = seed_checks() %}

with

{% for seed, check in checks.items() -%}
{{ seed }}_problems as (

    {{ seed_problems(ref(seed), check) }}

),

{% endfor -%}
final as (

    {%- for seed in checks %}

    select '{{ seed }}' as seed, problem, value from {{ seed }}_problems
    {{- "\n\n    union all" if not loop.last }}
    {%- endfor %}

)

select * from final
