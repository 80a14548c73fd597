-- For a bill-to not found in its legal entity: the legal entities where a customer with the key
-- exists after the load (created, or a target customer), as a hint.
with

reported as (

    select * from {{ ref('int_customers__reported') }}

),

customers as (

    select * from {{ ref('int_customers') }}

),

target_customers as (

    select * from {{ ref('stg_fo__target_customers') }}

),

not_found_keys as (

    select bill_to_key

    from reported

    where rule = 'INVOICE_ACCOUNT_NOT_FOUND'

),

accounts_elsewhere as (

    select
        customer_key,
        data_area_id

    from customers

    where definitions_rejected_precedence is null
        and customer_key in (select not_found_keys.bill_to_key from not_found_keys)

    union

    select
        {{ normalized_key('customer_account') }} as customer_key,
        {{ trim_spaces('data_area_id') }} as data_area_id

    from target_customers

    where data_area_id is not null

),

final as (

    select
        customer_key,
        {{ dbt.listagg('data_area_id', "', '", 'order by data_area_id') }} as other_data_area_ids

    from accounts_elsewhere

    group by customer_key

)

select * from final
