-- Customer records with what Customer definitions needs: party type, customer group, currency,
-- country and language as F&O will hold them, and a `breaks_<rule>` flag per rule of the entity
-- (all of one precedence: a record breaking several is reported for each). The free text is
-- checked here but not passed on: the mart reads it from staging.
{%- set free_text = definitions_free_text_fields() %}

with

accounts as (

    select * from {{ ref('int_customers__accounts_checked') }}

),

definition_values as (

    select * from {{ ref('int_customer_definition_values') }}

),

legal_entity_defaults as (

    select * from {{ ref('legal_entity_defaults') }}

),

field_lengths as (

    select * from {{ ref('field_lengths') }}

),

max_lengths as (

    {{ field_max_lengths('field_lengths', 'customer_definitions', definitions_checked_fields()) }}

),

defaults_keyed as (

    select
        {{ normalized_key('data_area_id') }} as data_area_key,
        language_id

    from legal_entity_defaults

),

mapped as (

    select
        accounts.*,
        case
            when upper(accounts.party_type) = 'PERSON' then 'Person' else 'Organization'
        end as party_type_id,
        {{ customer_name_for_fo('accounts') }} as fo_name,
        coalesce(accounts.language_id, defaults_keyed.language_id) as effective_language_id,
        customer_groups.mapped_value as mapped_customer_group,
        customer_groups.fo_value as customer_group_id,
        currencies.mapped_value as mapped_currency,
        currencies.fo_value as currency_code,
        countries.fo_value as country_region_id

    from accounts

    left join defaults_keyed
        on accounts.data_area_key = defaults_keyed.data_area_key

    left join definition_values as customer_groups
        on customer_groups.kind = 'customer_group'
            and coalesce(accounts.company, '') = customer_groups.company_as_extracted
            and coalesce(accounts.customer_group, '') = customer_groups.legacy_value_as_extracted

    left join definition_values as currencies
        on currencies.kind = 'currency'
            and coalesce(accounts.company, '') = currencies.company_as_extracted
            and coalesce(accounts.currency, '') = currencies.legacy_value_as_extracted

    left join definition_values as countries
        on countries.kind = 'country'
            and coalesce(accounts.country, '') = countries.legacy_value_as_extracted

),

final as (

    select
        mapped.source_file,
        mapped.source_line,
        mapped.company,
        mapped.customer_number,
        mapped.bill_to_customer_number,
        mapped.company_key,
        mapped.customer_key,
        mapped.bill_to_key,
        mapped.data_area_id,
        mapped.data_area_key,
        mapped.breaks_unknown_legal_entity,
        mapped.breaks_blank_account,
        mapped.breaks_account_too_long,
        mapped.account_forbidden_character,
        mapped.breaks_account_in_scientific_notation,
        mapped.breaks_duplicate_account,
        mapped.breaks_invalid_account,
        mapped.is_account_rejected,
        mapped.party_type_id,
        mapped.customer_group_id,
        mapped.currency_code,
        mapped.country_region_id,
        mapped.effective_language_id as language_id,
        mapped.fo_name is null as breaks_blank_name,
        {{ longer_than('mapped.fo_name', 'max_lengths.name') }} as breaks_name_too_long,
        coalesce(upper(mapped.party_type) not in ('ORGANIZATION', 'PERSON'), false) as breaks_unknown_party_type,
        mapped.party_type_id = 'Person'
        and mapped.first_name is null
        and mapped.middle_name is null
        and mapped.last_name is null as breaks_person_without_name,
        mapped.customer_group_id is null
        and not {{ longer_than('mapped.mapped_customer_group', 'max_lengths.customergroupid') }}
            as breaks_unknown_customer_group,
        {{ longer_than('mapped.mapped_customer_group', 'max_lengths.customergroupid') }}
            as breaks_customer_group_too_long,
        mapped.currency_code is null
        and not {{ longer_than('mapped.mapped_currency', 'max_lengths.salescurrencycode') }} as breaks_unknown_currency,
        {{ longer_than('mapped.mapped_currency', 'max_lengths.salescurrencycode') }} as breaks_currency_too_long,
        mapped.country is null
        and {{ concat_columns('mapped', definitions_address_columns()) }} <> '' as breaks_address_without_country,
        mapped.country is not null and mapped.country_region_id is null as breaks_unknown_country,
        coalesce(not {{ is_email_address('mapped.email') }}, false) as breaks_invalid_email,
        (
            {%- for field, column in free_text.items() %}
            {{ longer_than('mapped.' ~ column, 'max_lengths.' ~ (field | lower)) }}{{ ' or' if not loop.last }}
            {%- endfor %}
        ) as breaks_field_too_long,
        coalesce(
            {{ has_characters(
                concat_columns('mapped', definitions_extract_columns()), uncarriable_characters_pattern()
            ) }},
            false
        ) as breaks_uncarriable_character

    from mapped

    cross join max_lengths

)

select * from final
