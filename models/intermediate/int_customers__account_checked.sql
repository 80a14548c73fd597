-- The customer account checks: legal entity, blank, length, characters, Excel damage,
-- duplicates.
-- A record failing any of them is rejected and not checked further.
with

customers as (

    select * from {{ ref('int_customers__keyed') }}

),

-- Duplicates are counted per legal entity, not per legacy company: two companies mapped to
-- one legal entity share one key space in F&O. A plain count finds them; only their records
-- are then listed.
duplicate_key_groups as (

    select
        data_area_key,
        customer_key

    from customers

    where data_area_key is not null
        and customer_key is not null

    group by data_area_key, customer_key

    having count(*) > 1

),

duplicate_records as (

    select
        customers.data_area_key,
        customers.customer_key,
        customers.source_line

    from customers

    inner join duplicate_key_groups
        on customers.data_area_key = duplicate_key_groups.data_area_key
            and customers.customer_key = duplicate_key_groups.customer_key

),

duplicate_keys as (

    select
        data_area_key,
        customer_key,
        count(*) as records_with_key,
        {{ line_list('source_line') }} as lines_with_key

    from duplicate_records

    group by data_area_key, customer_key

),

checked as (

    select
        customers.source_file,
        customers.source_line,
        customers.company,
        customers.customer_number,
        customers.bill_to_customer_number,
        customers.company_key,
        customers.customer_key,
        customers.bill_to_key,
        customers.data_area_id,
        customers.data_area_key,
        customers.data_area_key is null as is_unknown_legal_entity,
        customers.customer_key is null as is_blank_account,
        coalesce(
            {{ dbt.length('customers.customer_number') }} > {{ var('customer_account_max_length') }},
            false
        ) as is_account_too_long,
        {{ first_forbidden_character('customers.customer_number') }} as account_forbidden_character,
        coalesce(
            {{ is_scientific_notation('customers.customer_number') }}, false
        ) as is_account_scientific_notation,
        duplicate_keys.customer_key is not null as is_duplicate_account,
        coalesce(duplicate_keys.records_with_key, 1) as records_with_key,
        duplicate_keys.lines_with_key

    from customers

    left join duplicate_keys
        on customers.data_area_key = duplicate_keys.data_area_key
            and customers.customer_key = duplicate_keys.customer_key

),

final as (

    select
        *,
        (
            is_unknown_legal_entity
            or is_blank_account
            or is_account_too_long
            or account_forbidden_character is not null
            or is_account_scientific_notation
            or is_duplicate_account
        ) as is_account_rejected

    from checked

)

select * from final
