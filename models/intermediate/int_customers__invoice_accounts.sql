-- The bill-to reference of every customer record whose account passed, looked up in its legal
-- entity among the accounts that will exist in F&O: migrated customers whose account passed
-- (held back later or not, Customer definitions creates them) and target customers. The
-- migrated spelling wins. Every record is passed on, with the lookup when it has one.
with

accounts as {{ materialized() }} (

    select * from {{ ref('int_customers__accounts_checked') }}

),

target_customers as (

    select * from {{ ref('stg_fo__target_customers') }}

),

migrated_accounts as (

    select
        data_area_key,
        customer_key,
        customer_number as account_spelling,
        source_line as account_line

    from accounts

    where not is_account_rejected

),

target_accounts as (

    select
        {{ normalized_key('data_area_id') }} as data_area_key,
        {{ normalized_key('customer_account') }} as customer_key,
        min(customer_account) as account_spelling

    from target_customers

    where data_area_id is not null
        and customer_account is not null

    group by {{ normalized_key('data_area_id') }}, {{ normalized_key('customer_account') }}

),

-- A key some rejected record holds: a reference to it cannot be trusted, even when the target
-- also has the key.
rejected_accounts as (

    select
        data_area_key,
        customer_key,
        min(source_line) as rejected_line

    from accounts

    where is_account_rejected
        and data_area_key is not null
        and customer_key is not null

    group by data_area_key, customer_key

),

-- Only records that name another customer are looked up (a self-reference is no invoice account).
lookups as (

    select
        referrers.source_line,
        migrated_accounts.account_line as invoice_account_line,
        coalesce(migrated_accounts.account_spelling, target_accounts.account_spelling) as existing_account,
        rejected_accounts.rejected_line as invoice_account_rejected_line,
        coalesce(
            {{ first_forbidden_character('referrers.bill_to_customer_number') }},
            {{ first_forbidden_character('migrated_accounts.account_spelling') }},
            {{ first_forbidden_character('target_accounts.account_spelling') }}
        ) as invoice_forbidden_character

    from accounts as referrers

    left join migrated_accounts
        on referrers.data_area_key = migrated_accounts.data_area_key
            and referrers.bill_to_key = migrated_accounts.customer_key

    left join target_accounts
        on referrers.data_area_key = target_accounts.data_area_key
            and referrers.bill_to_key = target_accounts.customer_key

    left join rejected_accounts
        on referrers.data_area_key = rejected_accounts.data_area_key
            and referrers.bill_to_key = rejected_accounts.customer_key

    where not referrers.is_account_rejected
        and referrers.bill_to_key <> referrers.customer_key

),

final as (

    select
        accounts.source_file,
        accounts.source_line,
        accounts.company,
        accounts.customer_number,
        accounts.bill_to_customer_number,
        accounts.company_key,
        accounts.customer_key,
        accounts.bill_to_key,
        accounts.data_area_id,
        accounts.data_area_key,
        accounts.breaks_unknown_legal_entity,
        accounts.breaks_blank_account,
        accounts.breaks_account_too_long,
        accounts.account_forbidden_character,
        accounts.breaks_account_in_scientific_notation,
        accounts.breaks_duplicate_account,
        accounts.breaks_invalid_account,
        accounts.is_account_rejected,
        lookups.invoice_account_line,
        lookups.existing_account,
        lookups.invoice_account_rejected_line,
        lookups.invoice_forbidden_character,
        lookups.source_line is not null
        and lookups.existing_account is null
        and lookups.invoice_account_rejected_line is null as is_not_found

    from accounts

    left join lookups
        on accounts.source_line = lookups.source_line

)

select * from final
