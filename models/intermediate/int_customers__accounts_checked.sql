-- Customer records keyed as F&O compares keys, mapped to their legal entity, with the account
-- rules (one precedence: a record breaking several is reported for each).
with

customers as (

    select * from {{ ref('stg_legacy__customers') }}

),

legal_entities as (

    select * from {{ ref('legal_entities') }}

),

legal_entities_keyed as (

    {{ legal_entities_keyed('legal_entities') }}

),

customers_keyed as (

    select
        source_file,
        source_line,
        company,
        customer_number,
        bill_to_customer_number,
        {{ normalized_key('company') }} as company_key,
        {{ normalized_key('customer_number') }} as customer_key,
        {{ normalized_key('bill_to_customer_number') }} as bill_to_key

    from customers

),

mapped as {{ materialized() }} (

    select
        customers_keyed.*,
        legal_entities_keyed.data_area_id,
        legal_entities_keyed.data_area_key

    from customers_keyed

    left join legal_entities_keyed
        on customers_keyed.company_key = legal_entities_keyed.company_key

),

-- Keys on more than one record of a legal entity (companies mapped to one legal entity share
-- its key space): a count finds the few, every copy is rejected.
duplicate_keys as (

    select
        data_area_key,
        customer_key

    from mapped

    where data_area_key is not null
        and customer_key is not null

    group by data_area_key, customer_key

    having count(*) > 1

),

checked as (

    select
        mapped.*,
        mapped.data_area_key is null as breaks_unknown_legal_entity,
        mapped.customer_key is null as breaks_blank_account,
        coalesce(
            {{ utf16_length('mapped.customer_number') }} > {{ var('customer_account_max_length') }}, false
        ) as breaks_account_too_long,
        {{ first_forbidden_character('mapped.customer_number') }} as account_forbidden_character,
        coalesce({{ is_scientific_notation('mapped.customer_number') }}, false)
            as breaks_account_in_scientific_notation,
        duplicate_keys.customer_key is not null as breaks_duplicate_account

    from mapped

    left join duplicate_keys
        on mapped.data_area_key = duplicate_keys.data_area_key
            and mapped.customer_key = duplicate_keys.customer_key

),

final as (

    select
        *,
        account_forbidden_character is not null as breaks_invalid_account,
        (
            breaks_unknown_legal_entity
            or breaks_blank_account
            or breaks_account_too_long
            or account_forbidden_character is not null
            or breaks_account_in_scientific_notation
            or breaks_duplicate_account
        ) as is_account_rejected

    from checked

)

select * from final
