-- One row per rejected landed record and rule (a record breaking several rules has several).
with

customers as (

    select * from {{ ref('int_customers__account_checked') }}

),

invoice_accounts as (

    select * from {{ ref('int_customers__invoice_chains') }}

),

customer_outcomes as (

    select * from {{ ref('int_customers__outcome') }}

),

dimensions as (

    select * from {{ ref('int_customer_dimensions__validated') }}

),

unknown_legal_entity as (

    select
        source_file,
        source_line,
        company,
        customer_number,
        'UNKNOWN_LEGAL_ENTITY' as rule,
        {{ dbt.concat([
            "'Company '''",
            "coalesce(company, '')",
            "''' has no F&O legal entity in the seed legal_entities: add the mapping legacy_company -> data_area_id, or leave the company out of the extract.'",
        ]) }} as detail

    from customers

    where is_unknown_legal_entity

),

blank_account as (

    select
        source_file,
        source_line,
        company,
        customer_number,
        'BLANK_ACCOUNT' as rule,
        'The customer number is blank: fill it in in the legacy data (it is the customer account in F&O).' as detail

    from customers

    where is_blank_account

),

account_too_long as (

    select
        source_file,
        source_line,
        company,
        customer_number,
        'ACCOUNT_TOO_LONG' as rule,
        {{ dbt.concat([
            "'Customer account '''",
            'customer_number',
            "''' has '",
            'cast(' ~ dbt.length('customer_number') ~ ' as ' ~ dbt.type_string() ~ ')',
            "' characters; F&O holds " ~ var('customer_account_max_length') ~ " and would cut it silently, which can merge two customers: shorten it in the legacy data (or raise customer_account_max_length if the target lengthened CustAccount).'",
        ]) }} as detail

    from customers

    where is_account_too_long

),

invalid_account as (

    select
        source_file,
        source_line,
        company,
        customer_number,
        'INVALID_ACCOUNT' as rule,
        {{ dbt.concat([
            "'Customer account '''",
            'customer_number',
            "''' contains '",
            'account_forbidden_character',
            "', which a Customer details V2 package cannot carry or F&O cannot look up (comma, quote, line break, control or invisible character): correct the customer number in the legacy data.'",
        ]) }} as detail

    from customers

    where account_forbidden_character is not null

),

account_in_scientific_notation as (

    select
        source_file,
        source_line,
        company,
        customer_number,
        'ACCOUNT_IN_SCIENTIFIC_NOTATION' as rule,
        {{ dbt.concat([
            "'Customer account '''",
            'customer_number',
            "''' is a number in scientific notation, as Excel writes a long number it has rounded: the real account is lost. Extract the file again without opening it in Excel (or import the column as text), and check the account in the legacy system.'",
        ]) }} as detail

    from customers

    where is_account_scientific_notation

),

duplicate_account as (

    select
        source_file,
        source_line,
        company,
        customer_number,
        'DUPLICATE_ACCOUNT' as rule,
        {{ dbt.concat([
            "'Customer account '''",
            'customer_number',
            "''' is on '",
            'cast(records_with_key as ' ~ dbt.type_string() ~ ')',
            "' records of legal entity '",
            'data_area_id',
            "' (lines '",
            'lines_with_key',
            line_list_ellipsis('records_with_key'),
            "'), compared as F&O does (case-insensitive, trailing spaces ignored): keep one record per customer in the extract; none of them is exported until then.'",
        ]) }} as detail

    from customers

    where is_duplicate_account

),

invoice_account_rejects as (

    select
        source_file,
        source_line,
        company,
        customer_number,
        case invoice_account_status
            when 'invalid' then 'INVALID_INVOICE_ACCOUNT'
            when 'rejected' then 'INVOICE_ACCOUNT_REJECTED'
            when 'not_found' then 'INVOICE_ACCOUNT_NOT_FOUND'
            when 'cycle' then 'INVOICE_ACCOUNT_CYCLE'
        end as rule,
        invoice_reject_detail as detail

    from invoice_accounts

    where invoice_account_status in ('invalid', 'rejected', 'not_found', 'cycle')

),

dimension_rejected as (

    select
        source_file,
        source_line,
        company,
        customer_number,
        'DIMENSION_REJECTED' as rule,
        {{ dbt.concat([
            "'Customer is held back because '",
            'cast(dimension_rejected_rows as ' ~ dbt.type_string() ~ ')',
            "' of its dimension rows are rejected (customer_dimensions.csv lines '",
            'dimension_rejected_lines',
            line_list_ellipsis('dimension_rejected_rows'),
            "'): a partial display value would clear the missing dimensions in F&O. Fix those rows.'",
        ]) }} as detail

    from customer_outcomes

    where is_dimension_rejected

),

dimension_rows as (

    select
        source_file,
        source_line,
        company,
        customer_number,
        rule,
        detail

    from dimensions

    where rule is not null

),

unioned as (

    select * from unknown_legal_entity
    union all
    select * from blank_account
    union all
    select * from account_too_long
    union all
    select * from invalid_account
    union all
    select * from account_in_scientific_notation
    union all
    select * from duplicate_account
    union all
    select * from invoice_account_rejects
    union all
    select * from dimension_rejected
    union all
    select * from dimension_rows

),

final as (

    select
        cast(source_file as {{ dbt.type_string() }}) as source_file,
        cast(source_line as {{ dbt.type_bigint() }}) as source_line,
        cast(company as {{ dbt.type_string() }}) as company,
        cast(customer_number as {{ dbt.type_string() }}) as customer_number,
        cast(rule as {{ dbt.type_string() }}) as rule,
        cast(detail as {{ dbt.type_string() }}) as detail

    from unioned

)

select * from final
