-- Invoice account resolution: each bill-to reference of a customer whose account passed its
-- checks is looked up in the same legal entity among the accounts that exist in F&O.
with

customers as (

    select * from {{ ref('int_customers__account_checked') }}

),

existing_accounts as (

    select * from {{ ref('int_customer_accounts__existing') }}

),

-- Accounts of migrated records that were rejected; a reference to one of them cannot be
-- trusted even if F&O also has the key.
rejected_accounts as (

    select
        data_area_key,
        customer_key,
        min(source_line) as first_rejected_line

    from customers

    where is_account_rejected
        and data_area_key is not null
        and customer_key is not null

    group by data_area_key, customer_key

),

candidates as (

    select * from customers

    where not is_account_rejected

),

-- For a reference not found in its own legal entity: where else it exists, as a hint. Only
-- for keys some record names as its invoice account, not for every existing account.
other_legal_entities as (

    select
        customer_key,
        {{ dbt.listagg('data_area_id', "', '", 'order by data_area_id') }} as data_area_ids

    from existing_accounts

    where customer_key in (select candidates.bill_to_key from candidates)

    group by customer_key

),

looked_up as (

    select
        candidates.source_file,
        candidates.source_line,
        candidates.company,
        candidates.customer_number,
        candidates.bill_to_customer_number,
        candidates.company_key,
        candidates.customer_key,
        candidates.bill_to_key,
        candidates.data_area_id,
        candidates.data_area_key,
        existing_accounts.customer_account as existing_account,
        existing_accounts.customer_key as existing_key,
        existing_accounts.origin as existing_origin,
        rejected_accounts.first_rejected_line,
        other_legal_entities.data_area_ids as other_data_area_ids,
        coalesce(
            {{ first_forbidden_character('candidates.bill_to_customer_number') }},
            {{ first_forbidden_character('existing_accounts.customer_account') }}
        ) as invoice_forbidden_character

    from candidates

    left join existing_accounts
        on candidates.data_area_key = existing_accounts.data_area_key
            and candidates.bill_to_key = existing_accounts.customer_key

    left join rejected_accounts
        on candidates.data_area_key = rejected_accounts.data_area_key
            and candidates.bill_to_key = rejected_accounts.customer_key

    left join other_legal_entities
        on candidates.bill_to_key = other_legal_entities.customer_key

),

-- One outcome per record, first match wins.
resolved as (

    select
        *,
        case
            when bill_to_key is null then 'none'
            when bill_to_key = customer_key then 'self'
            when invoice_forbidden_character is not null then 'invalid'
            when first_rejected_line is not null then 'rejected'
            when existing_account is not null then 'resolved'
            else 'not_found'
        end as invoice_account_status

    from looked_up

),

final as (

    select
        source_file,
        source_line,
        company,
        customer_number,
        bill_to_customer_number,
        company_key,
        customer_key,
        bill_to_key,
        data_area_id,
        data_area_key,
        invoice_account_status,
        case when invoice_account_status = 'resolved' then existing_account end as invoice_account,
        case when invoice_account_status = 'resolved' then existing_origin end as invoice_account_origin,
        -- The existing account's key (the normalized key of its spelling), carried, not recomputed.
        case when invoice_account_status = 'resolved' then existing_key end as invoice_account_key,
        case
            when invoice_account_status = 'invalid' then {{ dbt.concat([
                "'Invoice account '''",
                'bill_to_customer_number',
                "''' contains '",
                'invoice_forbidden_character',
                "', which a Customer details V2 package cannot carry (comma, quote, line break, control or invisible character): correct the bill-to customer number in the legacy data.'",
            ]) }}
            when invoice_account_status = 'rejected' then {{ dbt.concat([
                "'Invoice account '''",
                'bill_to_customer_number',
                "''' points to a customer of '",
                'data_area_id',
                "' whose own record is rejected (line '",
                'cast(first_rejected_line as ' ~ dbt.type_string() ~ ')',
                "'): fix that customer first; this record is held back until then.'",
            ]) }}
            when invoice_account_status = 'not_found' then {{ dbt.concat([
                "'Invoice account '''",
                'bill_to_customer_number',
                "''' is neither in customers.csv nor in target_customers.csv for legal entity '",
                'data_area_id',
                "case when other_data_area_ids is not null then " ~ dbt.concat(["' (it exists in '", 'other_data_area_ids', "'; an invoice account must be in the same legal entity)'"]) ~ " else '' end",
                "': extract that customer, list it in target_customers.csv if it already exists in F&O, or correct the bill-to customer number.'",
            ]) }}
        end as invoice_reject_detail

    from resolved

)

select * from final
