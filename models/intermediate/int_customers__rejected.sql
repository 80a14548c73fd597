-- The reject rows of customer records: each broken rule of the precedence a record is rejected
-- at (several account rules are reported together), and DIMENSION_REJECTED for a customer that
-- passed but is held back for its dimension rows. Details are built for these rows only.
{%- set customer_rules = customer_rule_codes() %}

with

customers as (

    select * from {{ ref('int_customers') }}

),

dimension_rows as (

    select * from {{ ref('int_customer_dimensions') }}

),

target_customers as (

    select * from {{ ref('stg_fo__target_customers') }}

),

rules as (

    select * from {{ ref('rules') }}

),

reported as {{ materialized() }} (

    select
        customers.*,
        rules.rule

    from customers

    inner join rules
        on rules.grain = 'customer'
            and customers.rejected_precedence = rules.precedence

    where {{ breaks_rule('rules.rule', customer_rules) }}

),

duplicates as (

    select
        data_area_key,
        customer_key,
        count(*) as records_with_key,
        {{ line_list('source_line') }} as lines_with_key

    from reported

    where rule = 'DUPLICATE_ACCOUNT'

    group by data_area_key, customer_key

),

cycles as (

    select
        data_area_key,
        invoice_cycle_id,
        count(*) as cycle_length,
        {{ dbt.listagg('customer_number', "', '", 'order by customer_number', var('detail_max_listed_lines')) }}
            as cycle_accounts,
        {{ line_list('source_line') }} as cycle_lines

    from reported

    where rule = 'INVOICE_ACCOUNT_CYCLE'

    group by data_area_key, invoice_cycle_id

),

not_found_keys as (

    select distinct bill_to_key

    from reported

    where rule = 'INVOICE_ACCOUNT_NOT_FOUND'

),

-- For a bill-to not found in its legal entity: where else that key exists, as a hint.
accounts_elsewhere as (

    select
        customers.customer_key,
        customers.data_area_id

    from customers

    inner join not_found_keys
        on customers.customer_key = not_found_keys.bill_to_key

    where not customers.is_account_rejected

    union all

    select
        {{ normalized_key('customer_account') }} as customer_key,
        {{ trim_spaces('data_area_id') }} as data_area_id

    from target_customers

),

distinct_accounts_elsewhere as (

    select distinct
        customer_key,
        data_area_id

    from accounts_elsewhere

    where data_area_id is not null

),

other_legal_entities as (

    select
        customer_key,
        {{ dbt.listagg('data_area_id', "', '", 'order by data_area_id') }} as data_area_ids

    from distinct_accounts_elsewhere

    group by customer_key

),

held_back as (

    select
        customer_source_line,
        count(*) as rejected_rows,
        {{ line_list('source_line') }} as rejected_lines

    from dimension_rows

    where holds_back_customer

    group by customer_source_line

),

dimension_rejected as (

    select
        customers.*,
        'DIMENSION_REJECTED' as rule,
        held_back.rejected_rows,
        held_back.rejected_lines

    from customers

    inner join held_back
        on customers.source_line = held_back.customer_source_line

    where customers.rejected_precedence is null

),

detailed as (

    select
        reported.source_file,
        reported.source_line,
        reported.company,
        reported.customer_number,
        reported.rule,
        case reported.rule
            when 'UNKNOWN_LEGAL_ENTITY' then {{ dbt.concat([
                "'Company '''", "coalesce(reported.company, '')",
                "''' has no F&O legal entity in the seed legal_entities: add the mapping legacy_company -> data_area_id, or leave the company out of the extract.'",
            ]) }}
            when 'BLANK_ACCOUNT'
                then 'The customer number is blank: fill it in in the legacy data (it is the customer account in F&O).'
            when 'ACCOUNT_TOO_LONG' then {{ dbt.concat([
                "'Customer account '''", 'reported.customer_number', "''' has '",
                'cast(' ~ utf16_length('reported.customer_number') ~ ' as ' ~ dbt.type_string() ~ ')',
                "' characters as F&O counts them (UTF-16 code units); F&O holds " ~ var('customer_account_max_length') ~ " and would cut it silently, which can merge two customers: shorten it in the legacy data (or raise customer_account_max_length if the target lengthened CustAccount).'",
            ]) }}
            when 'INVALID_ACCOUNT' then {{ dbt.concat([
                "'Customer account '''", 'reported.customer_number', "''' contains '", 'reported.account_forbidden_character',
                "', which a Customer details V2 package cannot carry or F&O cannot look up (comma, quote, line break, control or invisible character): correct the customer number in the legacy data.'",
            ]) }}
            when 'ACCOUNT_IN_SCIENTIFIC_NOTATION' then {{ dbt.concat([
                "'Customer account '''", 'reported.customer_number',
                "''' is a number in scientific notation, as Excel writes a long number it has rounded: the real account is lost. Extract the file again without opening it in Excel (or import the column as text), and check the account in the legacy system.'",
            ]) }}
            when 'DUPLICATE_ACCOUNT' then {{ dbt.concat([
                "'Customer account '''", 'reported.customer_number', "''' is on '",
                'cast(duplicates.records_with_key as ' ~ dbt.type_string() ~ ')',
                "' records of legal entity '", 'reported.data_area_id', "' (lines '", 'duplicates.lines_with_key',
                line_list_ellipsis('duplicates.records_with_key'),
                "'), compared as F&O does (case, width and kana insensitive, trailing spaces ignored): keep one record per customer in the extract; none of them is exported until then.'",
            ]) }}
            when 'INVALID_INVOICE_ACCOUNT' then {{ dbt.concat([
                "'Invoice account '''", 'reported.bill_to_customer_number', "''' contains '", 'reported.invoice_forbidden_character',
                "', which a Customer details V2 package cannot carry (comma, quote, line break, control or invisible character): correct the bill-to customer number in the legacy data.'",
            ]) }}
            when 'INVOICE_ACCOUNT_NOT_FOUND' then {{ dbt.concat([
                "'Invoice account '''", 'reported.bill_to_customer_number',
                "''' is neither in customers.csv nor in target_customers.csv for legal entity '", 'reported.data_area_id',
                "case when other_legal_entities.data_area_ids is not null then " ~ dbt.concat(["' (it exists in '", 'other_legal_entities.data_area_ids', "'; an invoice account must be in the same legal entity)'"]) ~ " else '' end",
                "': extract that customer, list it in target_customers.csv if it already exists in F&O, or correct the bill-to customer number.'",
            ]) }}
            when 'INVOICE_ACCOUNT_REJECTED' then {{ dbt.concat([
                "'Invoice account '''", 'reported.bill_to_customer_number', "''' points to a customer of '", 'reported.data_area_id',
                "case when reported.invoice_account_rejected_line is not null then ' whose own record is rejected (line ' else ' that is rejected for its own invoice account (line ' end",
                'cast(coalesce(reported.invoice_account_rejected_line, reported.invoice_account_line) as ' ~ dbt.type_string() ~ ')',
                "'): fix that customer first; this record is held back until then.'",
            ]) }}
            when 'INVOICE_ACCOUNT_CYCLE' then {{ dbt.concat([
                "'The invoice accounts of '", 'cast(cycles.cycle_length as ' ~ dbt.type_string() ~ ')',
                "' customers of '", 'reported.data_area_id', "' lead round in a cycle ('", 'cycles.cycle_accounts',
                line_list_ellipsis('cycles.cycle_length'), "'; lines '", 'cycles.cycle_lines', line_list_ellipsis('cycles.cycle_length'),
                "'): change the bill-to customer number of at least one of them so that the chain ends at a customer that is invoiced itself.'",
            ]) }}
        end as detail

    from reported

    left join duplicates
        on reported.data_area_key = duplicates.data_area_key
            and reported.customer_key = duplicates.customer_key
            and reported.rule = 'DUPLICATE_ACCOUNT'

    left join cycles
        on reported.data_area_key = cycles.data_area_key
            and reported.invoice_cycle_id = cycles.invoice_cycle_id
            and reported.rule = 'INVOICE_ACCOUNT_CYCLE'

    left join other_legal_entities
        on reported.bill_to_key = other_legal_entities.customer_key
            and reported.rule = 'INVOICE_ACCOUNT_NOT_FOUND'

    union all

    select
        source_file,
        source_line,
        company,
        customer_number,
        rule,
        {{ dbt.concat([
            "'Customer is held back because '", 'cast(rejected_rows as ' ~ dbt.type_string() ~ ')',
            "' of its dimension rows are rejected (customer_dimensions.csv lines '", 'rejected_lines',
            line_list_ellipsis('rejected_rows'),
            "'): a partial display value would clear the missing dimensions in F&O. Fix those rows.'",
        ]) }} as detail

    from dimension_rejected

),

final as (

    select * from detailed

)

select * from final
