{#- What each seed (a mapping or configuration table) must hold for F&O to take its values. The
    one test `assert_seeds_are_valid` checks every seed by these, in one dbt node: one node per
    seed cost about 0.6 s of a 100-customer `dbt build`. Per seed:
    - key: present, and unique as F&O compares keys (`key_problems`, as `unique_key`);
    - required: present;
    - unique: columns unique on their own, as stored (a segment position);
    - max_lengths: {column: length}: at most that many UTF-16 code units, as F&O counts them
      (it cuts a longer value silently);
    - field_lengths: {column: FIELD}: at most the length of Customer definitions' FIELD in the
      seed `field_lengths`, as the mart's rules count it (a default exported as it stands);
    - carriable: columns without a character a package cannot carry (`has_forbidden_characters`);
    - not_containing: {column: text}: columns without that text (the dimension delimiter);
    - references: [{column, to, to_column, legal_entity_column, to_legal_entity_column}]: each
      non-NULL value names a row of the seed `to` (in the same legal entity when the
      legal-entity columns are given), as F&O compares keys (`missing_references`). -#}
{% macro seed_checks() %}
    {%- set delimiter = var('dimension_delimiter') %}
    {%- set in_legal_entity = {'legal_entity_column': 'data_area_id', 'to_legal_entity_column': 'data_area_id'} %}
    {{ return({
        'legal_entities': {
            'key': ['legacy_company'],
            'required': ['data_area_id'],
            'max_lengths': {'data_area_id': 4},
            'carriable': ['data_area_id'],
        },
        'dimension_format': {
            'key': ['dimension'],
            'required': ['position'],
            'unique': ['position'],
            'not_containing': {'dimension': delimiter},
        },
        'dimension_values': {
            'key': ['dimension', 'value'],
            'max_lengths': {'value': var('dimension_value_max_length')},
            'carriable': ['value'],
            'not_containing': {'value': delimiter},
            'references': [{'column': 'dimension', 'to': 'dimension_format', 'to_column': 'dimension'}],
        },
        'dimension_value_map': {
            'key': ['dimension', 'legacy_value'],
            'required': ['value'],
            'references': [{'column': 'dimension', 'to': 'dimension_format', 'to_column': 'dimension'}],
        },
        'rules': {
            'key': ['rule'],
            'required': ['grain', 'entity', 'precedence', 'decided_in', 'meaning', 'what_to_do'],
        },
        'customer_groups': {
            'key': ['data_area_id', 'customer_group_id'],
            'field_lengths': {'customer_group_id': 'CUSTOMERGROUPID'},
            'carriable': ['customer_group_id'],
            'references': [{'column': 'data_area_id', 'to': 'legal_entities', 'to_column': 'data_area_id'}],
        },
        'customer_group_map': {
            'key': ['data_area_id', 'legacy_customer_group'],
            'required': ['customer_group_id'],
            'references': [dict(in_legal_entity, column='customer_group_id', to='customer_groups', to_column='customer_group_id')],
        },
        'currencies': {
            'key': ['data_area_id', 'currency_code'],
            'field_lengths': {'currency_code': 'SALESCURRENCYCODE'},
            'carriable': ['currency_code'],
        },
        'countries': {
            'key': ['country_region_id'],
            'field_lengths': {'country_region_id': 'ADDRESSCOUNTRYREGIONID'},
            'carriable': ['country_region_id'],
        },
        'country_map': {
            'key': ['legacy_country'],
            'required': ['country_region_id'],
            'references': [{'column': 'country_region_id', 'to': 'countries', 'to_column': 'country_region_id'}],
        },
        'legal_entity_defaults': {
            'key': ['data_area_id'],
            'field_lengths': {'language_id': 'LANGUAGEID'},
            'carriable': ['language_id'],
            'references': [
                dict(in_legal_entity, column='customer_group_id', to='customer_groups', to_column='customer_group_id'),
                dict(in_legal_entity, column='currency_code', to='currencies', to_column='currency_code'),
            ],
        },
        'field_lengths': {
            'key': ['entity', 'field'],
            'required': ['max_length'],
        },
    }) }}
{% endmacro %}


{#- One row per problem of the seed RELATION under CHECK (one entry of `seed_checks`): `problem`
    says what is wrong, `value` with which value. -#}
{% macro seed_problems(relation, check) -%}
    {%- set key = check.key %}
    {%- set text = dbt.type_string() %}
    {#- The folded key as one text: `K1 | K2`. -#}
    {%- set key_parts = [] %}
    {%- for column in key %}
        {%- do key_parts.append("coalesce(key_" ~ loop.index ~ ", '')") %}
        {%- if not loop.last %}{% do key_parts.append("' | '") %}{% endif %}
    {%- endfor %}
    select
        case
            when rows_missing_a_value > 0 then 'a row leaves one of {{ (key + check.get('required', [])) | join(", ") }} empty'
            else 'the key {{ key | join(", ") }} repeats as F&O compares keys'
        end as problem,
        {{ dbt.concat(key_parts) if key_parts | length > 1 else key_parts[0] }} as value

    from ({{ key_problems(relation, key, check.get('required', [])) }}) as key_problems
    {%- for column in check.get('unique', []) %}

    union all

    select '{{ column }} repeats' as problem, cast({{ column }} as {{ text }}) as value
    from {{ relation }}
    where {{ column }} is not null
    group by {{ column }}
    having count(*) > 1
    {%- endfor %}
    {%- for column, max_length in check.get('max_lengths', {}).items() %}

    union all

    select
        '{{ column }} is longer than {{ max_length }} characters as F&O counts them (UTF-16 code units)' as problem,
        {{ column }} as value
    from {{ relation }}
    where {{ utf16_length(column) }} > {{ max_length }}
    {%- endfor %}
    {%- for column, field in check.get('field_lengths', {}).items() %}

    union all

    select
        '{{ column }} is longer than {{ field }} holds in field_lengths (UTF-16 code units)' as problem,
        seed.{{ column }} as value
    from {{ relation }} as seed
    inner join {{ ref('field_lengths') }} as field_lengths
        on field_lengths.entity = 'customer_definitions'
            and field_lengths.field = '{{ field }}'
    where {{ utf16_length('seed.' ~ column) }} > field_lengths.max_length
    {%- endfor %}
    {%- for column in check.get('carriable', []) %}

    union all

    select '{{ column }} holds a character a package cannot carry' as problem, {{ column }} as value
    from {{ relation }}
    where {{ has_forbidden_characters(column) }}
    {%- endfor %}
    {%- for column, substring in check.get('not_containing', {}).items() %}

    union all

    select '{{ column }} contains {{ substring | replace("'", "''") }}' as problem, {{ column }} as value
    from {{ relation }}
    where {{ contains_text(column, substring) }}
    {%- endfor %}
    {%- for reference in check.get('references', []) %}
    {%- set in_legal_entity = reference.legal_entity_column is defined %}

    union all

    select
        '{{ reference.column }} is not a {{ reference.to_column }} of {{ reference.to }}{{ " in its legal entity" if in_legal_entity }}' as problem,
        account as value
    from (
        {{ missing_references(
            relation,
            reference.column,
            reference.legal_entity_column if in_legal_entity else "'all'",
            ref(reference.to),
            reference.to_column,
            reference.to_legal_entity_column if in_legal_entity else "'all'",
        ) }}
    ) as missing_{{ loop.index }}
    {%- endfor %}
{%- endmacro %}
