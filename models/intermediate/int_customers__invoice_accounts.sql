-- Every customer record with what Customer definitions decided, the lookup of its bill-to
-- reference when it has one (int_customers__invoice_lookups), and whether its own account is a
-- target customer (already in F&O).
with

definitions_checked as (

    select * from {{ ref('int_customers__definitions_checked') }}

),

invoice_lookups as (

    select * from {{ ref('int_customers__invoice_lookups') }}

),

target_customers as (

    select * from {{ ref('stg_fo__target_customers') }}

),

accounts as (

    select
        *,
        {{ any_rule_broken(definition_rule_codes()) }} as is_definition_rejected

    from definitions_checked

),

target_accounts as (

    {{ target_accounts('target_customers') }}

),

final as (

    select
        {%- for column in account_checked_columns() %}
        accounts.{{ column }},
        {%- endfor %}
        {%- for rule in definition_rule_codes() %}
        accounts.breaks_{{ rule | lower }},
        {%- endfor %}
        accounts.is_definition_rejected,
        target_accounts.customer_key is not null as is_target_customer,
        invoice_lookups.invoice_account_line,
        invoice_lookups.existing_account,
        invoice_lookups.invoice_account_rejected_line,
        invoice_lookups.invoice_forbidden_character,
        invoice_lookups.source_line is not null
        and invoice_lookups.existing_account is null
        and invoice_lookups.invoice_account_rejected_line is null as is_not_found

    from accounts

    left join invoice_lookups
        on accounts.source_line = invoice_lookups.source_line

    left join target_accounts
        on accounts.data_area_key = target_accounts.data_area_key
            and accounts.customer_key = target_accounts.customer_key

)

select * from final
