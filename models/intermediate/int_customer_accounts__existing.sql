-- Every customer account that exists in F&O once the migration's Customer definitions load
-- has run, per legal entity: the migrated customers whose own account passed its checks
-- (a customer held back for its invoice account or dimensions still exists) and the
-- customers already in the target. These are the valid invoice accounts.
with

customers as (

    select * from {{ ref('int_customers__account_checked') }}

),

target_customers as (

    select * from {{ ref('stg_fo__target_customers') }}

),

migrated_accounts as (

    select
        data_area_id,
        data_area_key,
        customer_key,
        customer_number as customer_account,
        'migrated' as origin,
        1 as precedence

    from customers

    where not is_account_rejected

),

target_accounts as (

    select
        min(data_area_id) as data_area_id,
        {{ normalized_key('data_area_id') }} as data_area_key,
        {{ normalized_key('customer_account') }} as customer_key,
        min(customer_account) as customer_account,
        'target' as origin,
        2 as precedence

    from target_customers

    where data_area_id is not null
        and customer_account is not null

    group by {{ normalized_key('data_area_id') }}, {{ normalized_key('customer_account') }}

),

all_accounts as (

    select * from migrated_accounts

    union all

    select * from target_accounts

),

-- The migrated spelling wins: it is the one this package writes as CUSTOMERACCOUNT.
ranked as (

    select
        *,
        row_number() over (
            partition by data_area_key, customer_key
            order by precedence
        ) as account_rank

    from all_accounts

),

final as (

    select
        data_area_id,
        data_area_key,
        customer_key,
        customer_account,
        origin

    from ranked

    where account_rank = 1

)

select * from final
