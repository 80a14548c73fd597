{#- The rules are data: seeds/rules.csv lists every rule code with its grain and precedence. A
    model decides its rules as boolean columns `breaks_<rule code in lower case>`; a record is
    rejected for the broken rules of the lowest precedence, so the order in which rules win is
    read from the seed at run time, never written in SQL. -#}

{#- One row: the precedence of each rule (a column named after it) of the grain. -#}
{% macro rule_precedences(rules_relation, grain, rules) -%}
    select
        {%- for rule in rules %}
        max(case when rule = '{{ rule }}' then precedence end) as {{ rule | lower }}{{ ',' if not loop.last }}
        {%- endfor %}

    from {{ rules_relation }}

    where grain = '{{ grain }}'
{%- endmacro %}


{#- The lowest precedence among the rules the row breaks; NULL when it breaks none. -#}
{% macro lowest_broken_precedence(rules, precedences) -%}
    least(
        {%- for rule in rules %}
        case when breaks_{{ rule | lower }} then {{ precedences }}.{{ rule | lower }} end{{ ',' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}


{#- Whether the row breaks the rule named by a column holding a rule code. -#}
{% macro breaks_rule(rule_column, rules) -%}
    case {{ rule_column }}
        {%- for rule in rules %}
        when '{{ rule }}' then breaks_{{ rule | lower }}
        {%- endfor %}
    end
{%- endmacro %}


{#- The code of the rule at a precedence (each precedence of the grain has one rule). -#}
{% macro rule_at_precedence(precedence_expression, rules, precedences) -%}
    case {{ precedence_expression }}
        {%- for rule in rules %}
        when {{ precedences }}.{{ rule | lower }} then '{{ rule }}'
        {%- endfor %}
    end
{%- endmacro %}


{#- The rule codes each grain model decides as `breaks_<rule>` columns, in the order of the seed.
    The SQL needs them when it compiles; tests/test_rules_list.py checks them against the seed. -#}
{% macro account_rule_codes() -%}
    {{ return([
        'UNKNOWN_LEGAL_ENTITY', 'BLANK_ACCOUNT', 'ACCOUNT_TOO_LONG', 'INVALID_ACCOUNT',
        'ACCOUNT_IN_SCIENTIFIC_NOTATION', 'DUPLICATE_ACCOUNT',
    ]) }}
{%- endmacro %}

{#- Customer definitions' own rules (entity customer_definitions). -#}
{% macro definition_rule_codes() -%}
    {{ return([
        'BLANK_NAME', 'NAME_TOO_LONG', 'UNKNOWN_PARTY_TYPE', 'PERSON_WITHOUT_NAME',
        'UNKNOWN_CUSTOMER_GROUP', 'CUSTOMER_GROUP_TOO_LONG', 'UNKNOWN_CURRENCY', 'CURRENCY_TOO_LONG',
        'ADDRESS_WITHOUT_COUNTRY', 'UNKNOWN_COUNTRY', 'INVALID_EMAIL', 'FIELD_TOO_LONG',
        'UNCARRIABLE_CHARACTER',
    ]) }}
{%- endmacro %}

{#- Customer details V2's own rules that int_customers decides (entity customer_details_v2). -#}
{% macro detail_rule_codes() -%}
    {{ return([
        'CUSTOMER_NOT_CREATED', 'INVALID_INVOICE_ACCOUNT', 'INVOICE_ACCOUNT_NOT_FOUND',
        'INVOICE_ACCOUNT_REJECTED', 'INVOICE_ACCOUNT_CYCLE',
    ]) }}
{%- endmacro %}

{#- Every customer rule int_customers decides, in the order of the seed. -#}
{% macro customer_rule_codes() -%}
    {{ return(account_rule_codes() + definition_rule_codes() + detail_rule_codes()) }}
{%- endmacro %}

{#- A dimension row's own rules (its dimension and value), then the two about its customer. -#}
{% macro dimension_row_own_rule_codes() -%}
    {{ return([
        'UNKNOWN_DIMENSION', 'BLANK_DIMENSION_VALUE', 'INVALID_DIMENSION_VALUE',
        'UNKNOWN_DIMENSION_VALUE', 'CONFLICTING_DIMENSION_VALUES',
    ]) }}
{%- endmacro %}

{% macro dimension_row_rule_codes() -%}
    {{ return(['ORPHAN_DIMENSION', 'CUSTOMER_REJECTED'] + dimension_row_own_rule_codes()) }}
{%- endmacro %}


{#- Legacy company -> legal entity, keyed as F&O compares keys (seed legal_entities). -#}
{% macro legal_entities_keyed(legal_entities) -%}
    select
        {{ normalized_key('legacy_company') }} as company_key,
        {{ trim_spaces('data_area_id') }} as data_area_id,
        {{ normalized_key('data_area_id') }} as data_area_key

    from {{ legal_entities }}
{%- endmacro %}


{#- Whether the row breaks any of the rules (each a `breaks_<rule>` column). -#}
{% macro any_rule_broken(rules) -%}
    (
        {%- for rule in rules %}
        breaks_{{ rule | lower }}{{ ' or' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}


{#- The columns a keyed, account-checked customer record carries (int_customers__accounts_checked)
    that the models after it pass on: one list, so that each passes on the same. -#}
{% macro account_checked_columns() -%}
    {{ return([
        'source_file', 'source_line', 'company', 'customer_number', 'bill_to_customer_number',
        'company_key', 'customer_key', 'bill_to_key', 'data_area_id', 'data_area_key',
        'breaks_unknown_legal_entity', 'breaks_blank_account', 'breaks_account_too_long',
        'account_forbidden_character', 'breaks_account_in_scientific_notation',
        'breaks_duplicate_account', 'breaks_invalid_account', 'is_account_rejected',
    ]) }}
{%- endmacro %}
