-- The bill-to reference of every customer record whose account passed and that names another
-- customer, looked up in its legal entity among the accounts that exist in F&O after the load:
-- migrated customers that Customer definitions creates (whatever becomes of their details) and
-- target customers. The migrated spelling wins. Narrow on purpose: the invoice chains are
-- walked on these rows (int_customers__invoice_cycles), not on the wide records.
with

definitions_checked as (

    select * from {{ ref('int_customers__definitions_checked') }}

),

target_customers as (

    select * from {{ ref('stg_fo__target_customers') }}

),

-- The few columns the lookups need, once: read three times below.
accounts as {{ materialized() }} (

    select
        source_line,
        data_area_key,
        customer_key,
        bill_to_key,
        customer_number,
        bill_to_customer_number,
        is_account_rejected,
        {{ any_rule_broken(definition_rule_codes()) }} as is_definition_rejected

    from definitions_checked

),

target_accounts as (

    {{ target_accounts('target_customers') }}

),

-- The records whose details go out with their own invoice account: created, or already in
-- F&O (a target customer, whatever Customer definitions says of its record). Chains are
-- walked through them (invoice_account_line); only a created one gives its spelling.
walked_accounts as (

    select
        accounts.data_area_key,
        accounts.customer_key,
        accounts.source_line as account_line,
        case when not accounts.is_definition_rejected then accounts.customer_number end as created_spelling

    from accounts

    left join target_accounts
        on accounts.data_area_key = target_accounts.data_area_key
            and accounts.customer_key = target_accounts.customer_key

    where not accounts.is_account_rejected
        and (not accounts.is_definition_rejected or target_accounts.customer_key is not null)

),

-- A key of the extract that will not exist after the load: its records are not created.
rejected_accounts as (

    select
        data_area_key,
        customer_key,
        min(source_line) as rejected_line

    from accounts

    where (is_account_rejected or is_definition_rejected)
        and data_area_key is not null
        and customer_key is not null

    group by data_area_key, customer_key

),

-- Only records that name another customer are looked up (a self-reference is no invoice account).
final as (

    select
        referrers.source_line,
        walked_accounts.account_line as invoice_account_line,
        coalesce(walked_accounts.created_spelling, target_accounts.account_spelling) as existing_account,
        case
            when walked_accounts.created_spelling is null and target_accounts.account_spelling is null
                then rejected_accounts.rejected_line
        end as invoice_account_rejected_line,
        coalesce(
            {{ first_forbidden_character('referrers.bill_to_customer_number') }},
            {{ first_forbidden_character('walked_accounts.created_spelling') }},
            {{ first_forbidden_character('target_accounts.account_spelling') }}
        ) as invoice_forbidden_character

    from accounts as referrers

    left join walked_accounts
        on referrers.data_area_key = walked_accounts.data_area_key
            and referrers.bill_to_key = walked_accounts.customer_key

    left join target_accounts
        on referrers.data_area_key = target_accounts.data_area_key
            and referrers.bill_to_key = target_accounts.customer_key

    left join rejected_accounts
        on referrers.data_area_key = rejected_accounts.data_area_key
            and referrers.bill_to_key = rejected_accounts.customer_key

    where not referrers.is_account_rejected
        and referrers.bill_to_key <> referrers.customer_key

)

select * from final
