{#- The detail sentence of each rule: what is wrong, with the value and the other lines, and
    what to do. One branch per rule code (seed rules); the rejects models call it per code over a
    CTE whose columns carry these names. -#}
{% macro reject_detail(rule) -%}
{%- if rule == 'UNKNOWN_LEGAL_ENTITY' -%}
    case
        when company_key is null then 'The company is blank: fill it in in the legacy data (it decides the F&O legal entity).'
        else {{ dbt.concat([
            "'Company '''", 'company',
            "''' has no F&O legal entity in the seed legal_entities: add the mapping legacy_company -> data_area_id, or leave the company out of the extract.'",
        ]) }}
    end
{%- elif rule == 'BLANK_ACCOUNT' -%}
    'The customer number is blank: fill it in in the legacy data (it is the customer account in F&O).'
{%- elif rule == 'ACCOUNT_TOO_LONG' -%}
    {{ dbt.concat([
        "'Customer account '''", 'customer_number', "''' has '",
        'cast(' ~ utf16_length('customer_number') ~ ' as ' ~ dbt.type_string() ~ ')',
        "' characters as F&O counts them (UTF-16 code units); F&O holds " ~ var('customer_account_max_length') ~ " and would cut it silently, which can merge two customers: shorten it in the legacy data (or raise customer_account_max_length if the target lengthened CustAccount).'",
    ]) }}
{%- elif rule == 'INVALID_ACCOUNT' -%}
    {{ dbt.concat([
        "'Customer account '''", 'customer_number', "''' contains '", 'account_forbidden_character',
        "', which a Customer details V2 package cannot carry or F&O cannot look up (comma, quote, line break, control or invisible character): correct the customer number in the legacy data.'",
    ]) }}
{%- elif rule == 'ACCOUNT_IN_SCIENTIFIC_NOTATION' -%}
    {{ dbt.concat([
        "'Customer account '''", 'customer_number',
        "''' is a number in scientific notation, as Excel writes a long number it has rounded: the real account is lost. Extract the file again without opening it in Excel (or import the column as text), and check the account in the legacy system.'",
    ]) }}
{%- elif rule == 'DUPLICATE_ACCOUNT' -%}
    {{ dbt.concat([
        "'Customer account '''", 'customer_number', "''' is on '",
        'cast(records_with_key as ' ~ dbt.type_string() ~ ')',
        "' records of legal entity '", 'data_area_id', "' (lines '", 'lines_with_key',
        line_list_ellipsis('records_with_key'),
        "'), compared as F&O does (case, width and kana insensitive, trailing spaces ignored): keep one record per customer in the extract; none of them is exported until then.'",
    ]) }}
{%- elif rule == 'BLANK_NAME' -%}
    'The customer name is blank: F&O requires NAME for every customer (for a person, the name or its first, middle or last name). Fill it in in the legacy data.'
{%- elif rule == 'NAME_TOO_LONG' -%}
    {{ dbt.concat([
        "'Name '''", 'extracted_name', "''' has '", 'cast(name_length as ' ~ dbt.type_string() ~ ')',
        "' characters as F&O counts them (UTF-16 code units); NAME holds '", 'cast(max_name_length as ' ~ dbt.type_string() ~ ')',
        "' and F&O would cut it: shorten it in the legacy data.'",
    ]) }}
{%- elif rule == 'UNKNOWN_PARTY_TYPE' -%}
    {{ dbt.concat([
        "'Party type '''", 'extracted_party_type',
        "''' is neither Organization nor Person: correct it in the legacy data (blank means Organization).'",
    ]) }}
{%- elif rule == 'PERSON_WITHOUT_NAME' -%}
    'The customer is a person without a first, middle or last name: F&O needs at least one. Fill in the name parts in the legacy data.'
{%- elif rule == 'UNKNOWN_CUSTOMER_GROUP' -%}
    case
        when extracted_customer_group is null then {{ dbt.concat([
            "'The customer group is blank and legal entity '", 'data_area_id',
            "' has no default group in legal_entity_defaults: fill in the group, or add the default.'",
        ]) }}
        else {{ dbt.concat([
            "'Customer group '''", 'extracted_customer_group', "''' is not a customer group of legal entity '", 'data_area_id',
            "' (seed customer_groups, after customer_group_map): map the legacy group in customer_group_map, or create the group in F&O and add it to customer_groups.'",
        ]) }}
    end
{%- elif rule == 'CUSTOMER_GROUP_TOO_LONG' -%}
    {{ dbt.concat([
        "'Customer group '''", "coalesce(extracted_customer_group, '(blank: the legal entity''s default)')", "''' (after customer_group_map) is longer than the '",
        'cast(max_customer_group_length as ' ~ dbt.type_string() ~ ')',
        "' characters of CUSTOMERGROUPID: map it to an F&O customer group in customer_group_map.'",
    ]) }}
{%- elif rule == 'UNKNOWN_CURRENCY' -%}
    case
        when extracted_currency is null then {{ dbt.concat([
            "'The currency is blank and legal entity '", 'data_area_id',
            "' has no default currency in legal_entity_defaults: fill in the currency, or add the default.'",
        ]) }}
        else {{ dbt.concat([
            "'Currency '''", 'extracted_currency', "''' is not a currency of legal entity '", 'data_area_id',
            "' (seed currencies): correct it in the legacy data, or add it to currencies if it exists in F&O.'",
        ]) }}
    end
{%- elif rule == 'CURRENCY_TOO_LONG' -%}
    {{ dbt.concat([
        "'Currency '''", "coalesce(extracted_currency, '(blank: the legal entity''s default)')", "''' is longer than the '",
        'cast(max_currency_length as ' ~ dbt.type_string() ~ ')',
        "' characters of SALESCURRENCYCODE: use the ISO 4217 code.'",
    ]) }}
{%- elif rule == 'ADDRESS_WITHOUT_COUNTRY' -%}
    'The address has no country: F&O requires ADDRESSCOUNTRYREGIONID with an address. Fill in the country, or leave the whole address out.'
{%- elif rule == 'UNKNOWN_COUNTRY' -%}
    {{ dbt.concat([
        "'Country '''", 'extracted_country',
        "''' is neither mapped in country_map nor an F&O country/region id of the seed countries: map it, or add the id to countries.'",
    ]) }}
{%- elif rule == 'INVALID_EMAIL' -%}
    {{ dbt.concat([
        "'Email '''", 'extracted_email',
        "''' is not an address (one @, a name before it, a domain with a dot after it, no spaces): correct it or leave it empty.'",
    ]) }}
{%- elif rule == 'FIELD_TOO_LONG' -%}
    {{ dbt.concat([
        "'Longer than F&O holds, in UTF-16 code units (F&O would cut them): '", 'too_long_fields',
        "'. Shorten the values in the legacy data, or raise the length in field_lengths if the target extended the field.'",
    ]) }}
{%- elif rule == 'UNCARRIABLE_CHARACTER' -%}
    {{ dbt.concat([
        "'Column '''", 'uncarriable_column', "''' holds '", 'uncarriable_character',
        "', a control character a package (XML) cannot carry: remove it in the legacy data.'",
    ]) }}
{%- elif rule == 'CUSTOMER_NOT_CREATED' -%}
    {{ dbt.concat([
        "'Customer '''", 'customer_number',
        "''' is not created (its Customer definitions record, the same line, is rejected: see customer_definitions_rejects) and is not in target_customers.csv, so its details cannot be updated: fix those rejects first.'",
    ]) }}
{%- elif rule == 'INVALID_INVOICE_ACCOUNT' -%}
    {{ dbt.concat([
        "'Invoice account '''", 'bill_to_customer_number', "''' contains '", 'invoice_forbidden_character',
        "', which a Customer details V2 package cannot carry (comma, quote, line break, control or invisible character): correct the bill-to customer number in the legacy data.'",
    ]) }}
{%- elif rule == 'INVOICE_ACCOUNT_NOT_FOUND' -%}
    {{ dbt.concat([
        "'Invoice account '''", 'bill_to_customer_number',
        "''' is neither in customers.csv nor in target_customers.csv for legal entity '", 'data_area_id',
        "case when other_data_area_ids is not null then " ~ dbt.concat(["' (it exists in '", 'other_data_area_ids', "'; an invoice account must be in the same legal entity)'"]) ~ " else '' end",
        "': extract that customer, list it in target_customers.csv if it already exists in F&O, or correct the bill-to customer number.'",
    ]) }}
{%- elif rule == 'INVOICE_ACCOUNT_REJECTED' -%}
    {{ dbt.concat([
        "'Invoice account '''", 'bill_to_customer_number', "''' points to a customer of '", 'data_area_id',
        "' that will not exist after the load: its record (line '",
        'cast(invoice_account_rejected_line as ' ~ dbt.type_string() ~ ')',
        "') is rejected for Customer definitions and it is not in target_customers.csv. Fix that customer first; this record is held back until then.'",
    ]) }}
{%- elif rule == 'INVOICE_ACCOUNT_CYCLE' -%}
    {{ dbt.concat([
        "'The invoice accounts of '", 'cast(cycle_length as ' ~ dbt.type_string() ~ ')',
        "' customers of '", 'data_area_id', "' lead round in a cycle ('", 'cycle_accounts',
        line_list_ellipsis('cycle_length'), "'; lines '", 'cycle_lines', line_list_ellipsis('cycle_length'),
        "'): change the bill-to customer number of at least one of them so that the chain ends at a customer that is invoiced itself.'",
    ]) }}
{%- elif rule == 'DIMENSION_REJECTED' -%}
    {{ dbt.concat([
        "'Customer is held back because '", 'cast(held_back_rows as ' ~ dbt.type_string() ~ ')',
        one_or_many('held_back_rows', ' of its dimension rows is rejected (customer_dimensions.csv line ', ' of its dimension rows are rejected (customer_dimensions.csv lines '),
        'held_back_lines',
        line_list_ellipsis('held_back_rows'),
        "'): a partial display value would clear the missing dimensions in F&O. '",
        one_or_many('held_back_rows', 'Fix that row.', 'Fix those rows.'),
    ]) }}
{%- elif rule == 'ORPHAN_DIMENSION' -%}
    {{ dbt.concat([
        "'There is no customer '''", "coalesce(customer_number, '')", "''' '",
        "case when data_area_id is not null then " ~ dbt.concat(["'in legal entity '", 'data_area_id', "' (the legal entity of company '''", 'company', "''')'"])
            ~ " else " ~ dbt.concat(["'of company '''", "coalesce(company, '')", "''''"]) ~ " end",
        "' in customers.csv: add the customer to the customer extract or remove this row.'",
    ]) }}
{%- elif rule == 'CUSTOMER_REJECTED' -%}
    case
        when is_customer_rejected then {{ dbt.concat([
            "'The customer record of this row ('", 'customer_source_file', "' line '",
            'cast(customer_source_line as ' ~ dbt.type_string() ~ ')',
            "') is rejected: fix that record (see its reject rows); its dimension rows are held back with it.'",
        ]) }}
        else {{ dbt.concat([
            "'Customer '''", 'customer_number', "''' is held back because '",
            one_or_many('held_back_rows', 'another dimension row of it is rejected (line ', 'other dimension rows of it are rejected (lines '),
            'held_back_lines', line_list_ellipsis('held_back_rows'),
            "'): a partial display value would clear the missing dimensions in F&O. '",
            one_or_many('held_back_rows', 'Fix that row.', 'Fix those rows.'),
        ]) }}
    end
{%- elif rule == 'UNKNOWN_DIMENSION' -%}
    {{ dbt.concat([
        "'Dimension '''", "coalesce(dimension, '')",
        "''' is not in the dimension format (seed dimension_format): map it to one of the format''s dimensions in the extract, or add it to the format if F&O''s Default dimension format has it.'",
    ]) }}
{%- elif rule == 'BLANK_DIMENSION_VALUE' -%}
    {{ dbt.concat([
        "'Dimension '''", 'dimension',
        "''' has no value: remove the row (a dimension without a row is left empty) or fill in the value.'",
    ]) }}
{%- elif rule == 'INVALID_DIMENSION_VALUE' -%}
    {{ dbt.concat([
        "'Value '''", 'mapped_value', "''' of dimension '''", 'dimension', "''' '",
        "case when value_forbidden_character is not null then " ~ dbt.concat(["'contains '", 'value_forbidden_character', "' (a comma, quote, line break, control or invisible character a package cannot carry or F&O cannot look up)'"])
            ~ " when value_contains_delimiter then 'contains the segment delimiter " ~ dbt.escape_single_quotes(var('dimension_delimiter')) ~ "'"
            ~ " else " ~ dbt.concat(["'is longer than " ~ var('dimension_value_max_length') ~ " characters as F&O counts them, UTF-16 code units ('", 'cast(value_length as ' ~ dbt.type_string() ~ ')', "')'"]) ~ " end",
        "': correct the value in the extract or map it in dimension_value_map.'",
    ]) }}
{%- elif rule == 'UNKNOWN_DIMENSION_VALUE' -%}
    {{ dbt.concat([
        "'Value '''", 'mapped_value', "''' does not exist for dimension '''", 'format_dimension',
        "''' in F&O (seed dimension_values)'",
        "case when mapped_value <> legacy_value then " ~ dbt.concat(["' (mapped from '''", 'legacy_value', "''')'"]) ~ " else '' end",
        "': map the legacy value in dimension_value_map, or create the value in F&O and add it to dimension_values.'",
    ]) }}
{%- elif rule == 'CONFLICTING_DIMENSION_VALUES' -%}
    {{ dbt.concat([
        "'Customer has '", 'cast(conflicting_rows as ' ~ dbt.type_string() ~ ')',
        "' rows with different values for dimension '''", 'format_dimension', "''' (lines '",
        'conflicting_lines', line_list_ellipsis('conflicting_rows'),
        "'): keep one value per dimension in the extract.'",
    ]) }}
{%- else -%}
    {{ exceptions.raise_compiler_error('reject_detail: no detail sentence for rule ' ~ rule) }}
{%- endif -%}
{%- endmacro %}


{#- The detail of each row of a CTE with a `rule` column, for the given rule codes. -#}
{% macro reject_details(rules) -%}
    case rule
        {%- for rule in rules %}
        when '{{ rule }}' then {{ reject_detail(rule) }}
        {%- endfor %}
    end
{%- endmacro %}


{#- The columns every rejects mart has, typed as its contract says (models/marts/_marts__models.yml). -#}
{% macro rejects_mart_columns() -%}
    cast(source_file as {{ dbt.type_string() }}) as source_file,
    cast(source_line as {{ dbt.type_bigint() }}) as source_line,
    cast(company as {{ dbt.type_string() }}) as company,
    cast(customer_number as {{ dbt.type_string() }}) as customer_number,
    cast(rule as {{ dbt.type_string() }}) as rule,
    cast(detail as {{ dbt.type_string() }}) as detail
{%- endmacro %}
