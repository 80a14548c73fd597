{#- The rows of a mapping or configuration table (a seed) are ones F&O can take: every check of
    the table in one test, one dbt node, where one test per check costs a node each. One failing
    row per problem: `problem` says what is wrong, `value` with which value
    (`dbt test --select <seed> --store-failures` keeps them in a table to read).
    - key: present, and unique as F&O compares keys (`key_problems`, as `unique_key`);
    - required: present;
    - unique: columns unique on their own, as stored (a segment position);
    - max_lengths: {column: length}: at most that many UTF-16 code units, as F&O counts them
      (it cuts a longer value silently);
    - carriable: columns without a character a package cannot carry (`has_forbidden_characters`);
    - not_containing: {column: text}: columns without that text (the dimension delimiter);
    - references: [{column, to, to_column, legal_entity_column, to_legal_entity_column}]: each
      non-NULL value names a row of the model or seed `to` (in the same legal entity when the
      legal-entity columns are given), as F&O compares keys (`missing_references`). -#}
{% test valid_rows(model, key, required=[], unique=[], max_lengths={}, carriable=[], not_containing={}, references=[]) %}

{%- set text = dbt.type_string() %}
{#- The folded key as one text: `K1 | K2`. -#}
{%- set key_parts = [] %}
{%- for column in key %}
    {%- do key_parts.append("coalesce(key_" ~ loop.index ~ ", '')") %}
    {%- if not loop.last %}{% do key_parts.append("' | '") %}{% endif %}
{%- endfor %}

with

key_problems as (

    {{ key_problems(model, key, required) }}

),

final as (

    select
        case
            when rows_missing_a_value > 0 then 'a row leaves one of {{ (key + required) | join(", ") }} empty'
            else 'the key {{ key | join(", ") }} repeats as F&O compares keys'
        end as problem,
        {{ dbt.concat(key_parts) if key_parts | length > 1 else key_parts[0] }} as value

    from key_problems
    {%- for column in unique %}

    union all

    select '{{ column }} repeats' as problem, cast({{ column }} as {{ text }}) as value
    from {{ model }}
    where {{ column }} is not null
    group by {{ column }}
    having count(*) > 1
    {%- endfor %}
    {%- for column, max_length in max_lengths.items() %}

    union all

    select
        '{{ column }} is longer than {{ max_length }} characters as F&O counts them (UTF-16 code units)' as problem,
        {{ column }} as value
    from {{ model }}
    where {{ utf16_length(column) }} > {{ max_length }}
    {%- endfor %}
    {%- for column in carriable %}

    union all

    select '{{ column }} holds a character a package cannot carry' as problem, {{ column }} as value
    from {{ model }}
    where {{ has_forbidden_characters(column) }}
    {%- endfor %}
    {%- for column, substring in not_containing.items() %}

    union all

    select '{{ column }} contains {{ substring | replace("'", "''") }}' as problem, {{ column }} as value
    from {{ model }}
    where {{ contains_text(column, substring) }}
    {%- endfor %}
    {%- for reference in references %}
    {%- set in_legal_entity = reference.legal_entity_column is defined %}

    union all

    select
        '{{ reference.column }} is not a {{ reference.to_column }} of {{ reference.to }}{{ " in its legal entity" if in_legal_entity }}' as problem,
        account as value
    from (
        {{ missing_references(
            model,
            reference.column,
            reference.legal_entity_column if in_legal_entity else "'all'",
            ref(reference.to),
            reference.to_column,
            reference.to_legal_entity_column if in_legal_entity else "'all'",
        ) }}
    ) as missing_{{ loop.index }}
    {%- endfor %}

)

select * from final

{% endtest %}
