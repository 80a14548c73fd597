{#- What Customer definitions needs of a customer record, and the checks F&O makes on it. -#}


{#- Exported fields filled from the extract's free text (column -> field), each checked against
    its length in the seed field_lengths (FIELD_TOO_LONG). NAME has its own rule (NAME_TOO_LONG);
    the customer group, currency and country come from seeds. -#}
{% macro definitions_free_text_fields() -%}
    {{ return({
        'PERSONFIRSTNAME': 'first_name',
        'PERSONMIDDLENAME': 'middle_name',
        'PERSONLASTNAME': 'last_name',
        'NAMEALIAS': 'search_name',
        'ADDRESSSTREET': 'street',
        'ADDRESSCITY': 'city',
        'ADDRESSZIPCODE': 'zip_code',
        'ADDRESSSTATE': 'state',
        'ADDRESSCOUNTY': 'county',
        'PRIMARYCONTACTEMAIL': 'email',
        'PRIMARYCONTACTPHONE': 'phone',
        'LANGUAGEID': 'language_id',
    }) }}
{%- endmacro %}


{#- The fields whose length a rule checks, for field_max_lengths. -#}
{% macro definitions_checked_fields() -%}
    {{ return(['NAME', 'CUSTOMERGROUPID', 'SALESCURRENCYCODE'] + (definitions_free_text_fields().keys() | list)) }}
{%- endmacro %}


{#- Every column of customers.csv that Customer definitions carries for every customer,
    checked for characters a package cannot carry (UNCARRIABLE_CHARACTER). -#}
{% macro definitions_extract_columns() -%}
    {{ return([
        'customer_name', 'customer_group', 'currency', 'party_type', 'search_name', 'street',
        'city', 'zip_code', 'state', 'county', 'country', 'email', 'phone', 'language_id',
    ]) }}
{%- endmacro %}


{#- The extract's own name of a staged column of customers.csv (staging renames only these),
    for a detail that sends the user to the column. -#}
{% macro extract_column_name(column) -%}
    {{ return({'language_id': 'language'}.get(column, column)) }}
{%- endmacro %}


{#- The name parts: carried (and so checked) for a person only; F&O reads them for no other. -#}
{% macro person_name_columns() -%}
    {{ return(['first_name', 'middle_name', 'last_name']) }}
{%- endmacro %}


{#- Whether the record of RELATION is a person (blank or anything else: an organization). -#}
{% macro is_person(relation) -%}
    upper({{ relation }}.party_type) = 'PERSON'
{%- endmacro %}


{#- The texts of RELATION the package carries, as one string to search: the name parts only
    where IS_PERSON (an SQL condition) holds. -#}
{% macro carried_texts(relation, is_person) -%}
    concat_ws(
        '',
        {{ concat_columns(relation, definitions_extract_columns()) }},
        case when {{ is_person }} then {{ concat_columns(relation, person_name_columns()) }} end
    )
{%- endmacro %}


{#- The address columns: any of them makes an address, which needs a country. -#}
{% macro definitions_address_columns() -%}
    {{ return(['street', 'city', 'zip_code', 'state', 'county']) }}
{%- endmacro %}


{#- One row: the longest value of each FIELD of ENTITY (a column named after the field). -#}
{% macro field_max_lengths(field_lengths, entity, fields) -%}
    select
        {%- for field in fields %}
        max(case when field = '{{ field }}' then max_length end) as {{ field | lower }}{{ ',' if not loop.last }}
        {%- endfor %}

    from {{ field_lengths }}

    where entity = '{{ entity }}'
{%- endmacro %}


{#- True when the value is longer than MAX_LENGTH UTF-16 code units; false for NULL. A value
    of at most MAX_LENGTH bytes cannot be (a code unit takes at least a byte of UTF-8), so the
    costly count runs for long values only: in a CASE, which evaluates its branch for the rows
    that reach it (an AND in a select list may evaluate both sides for every row). -#}
{% macro longer_than(expression, max_length) -%}
    case
        when {{ byte_length(expression) }} > {{ max_length }}
            then {{ utf16_length(expression) }} > {{ max_length }}
        else false
    end
{%- endmacro %}


{% macro byte_length(expression) -%}
    {{ return(adapter.dispatch('byte_length', 'd365_customer_migration')(expression)) }}
{%- endmacro %}

{% macro default__byte_length(expression) -%}
    octet_length({{ expression }})
{%- endmacro %}

{% macro duckdb__byte_length(expression) -%}
    strlen({{ expression }})
{%- endmacro %}


{#- An email address as F&O's contact validation expects it: one @, something before it, a
    domain with a dot after it, no blank of any kind (space, tab, line break, no-break and
    other Unicode spaces) and no control character. -#}
{% macro email_address_pattern() -%}
    {%- set no = '@\\s\\x00-\\x1F\\x7F-\\xA0\\x{1680}\\x{2000}-\\x{200B}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}' -%}
    [^{{ no }}]+@[^.{{ no }}]+([.][^.{{ no }}]+)+
{%- endmacro %}

{#- True when the whole expression is an email address, NULL for NULL. -#}
{% macro is_email_address(expression) -%}
    {{ return(adapter.dispatch('is_email_address', 'd365_customer_migration')(expression)) }}
{%- endmacro %}

{% macro default__is_email_address(expression) -%}
    regexp_like({{ expression }}, '^{{ email_address_pattern() }}$')
{%- endmacro %}

{% macro duckdb__is_email_address(expression) -%}
    regexp_full_match({{ expression }}, '{{ email_address_pattern() }}')
{%- endmacro %}

{% macro spark__is_email_address(expression) -%}
    ({{ expression }} rlike '^{{ email_address_pattern() | replace("\\", "\\\\") }}$')
{%- endmacro %}


{#- NAME as F&O gets it: the extract's name; for a person without one, the name parts joined
    (F&O requires NAME even for a person, and shows the parts). -#}
{% macro customer_name_for_fo(relation) -%}
    coalesce(
        {{ relation }}.customer_name,
        case
            when {{ is_person(relation) }}
                then nullif(concat_ws(' ', {{ relation }}.first_name, {{ relation }}.middle_name, {{ relation }}.last_name), '')
        end
    )
{%- endmacro %}


{#- The expressions joined into one text, NULLs skipped: one regex test covers every column. -#}
{% macro concat_columns(relation, columns) -%}
    {{ return(adapter.dispatch('concat_columns', 'd365_customer_migration')(relation, columns)) }}
{%- endmacro %}

{% macro default__concat_columns(relation, columns) -%}
    concat_ws(''
    {%- for column in columns -%}
        , {{ relation }}.{{ column }}
    {%- endfor -%}
    )
{%- endmacro %}

{#- DuckDB's concat skips NULLs too, and is faster: about 1 s less for the uncarriable-character
    check of 10 million records. -#}
{% macro duckdb__concat_columns(relation, columns) -%}
    concat(
    {%- for column in columns -%}
        {{ ', ' if not loop.first }}{{ relation }}.{{ column }}
    {%- endfor -%}
    )
{%- endmacro %}


{#- Per record of TEXTS (staged customer records), what the detail of a Customer definitions
    reject names: the values as extracted, the name's length, the fields too long and the first
    character a package cannot carry. Built for rejected records only. -#}
{% macro definition_faults(texts, field_lengths) -%}
{%- set free_text = definitions_free_text_fields() -%}
    select
        named.source_line as fault_line,
        named.extracted_name,
        named.party_type as extracted_party_type,
        named.customer_group as extracted_customer_group,
        named.currency as extracted_currency,
        named.country as extracted_country,
        named.email as extracted_email,
        named.name_length,
        max_lengths.name as max_name_length,
        max_lengths.customergroupid as max_customer_group_length,
        max_lengths.salescurrencycode as max_currency_length,
        concat_ws(
            ', '
            {%- for field, column in free_text.items() %},
            case
                when {{ is_person('named') ~ ' and ' if column in person_name_columns() }}named.{{ column }}_length > max_lengths.{{ field | lower }}
                    then {{ dbt.concat([
                        "'" ~ field ~ " '",
                        'cast(named.' ~ column ~ '_length as ' ~ dbt.type_string() ~ ')',
                        "' > '",
                        'cast(max_lengths.' ~ (field | lower) ~ ' as ' ~ dbt.type_string() ~ ')',
                    ]) }}
            end
            {%- endfor %}
        ) as too_long_fields,
        case
            {%- for column in definitions_extract_columns() %}
            when {{ has_characters('named.' ~ column, uncarriable_characters_pattern()) }}
                then '{{ extract_column_name(column) }}'
            {%- endfor %}
            {%- for column in person_name_columns() %}
            when {{ is_person('named') }} and {{ has_characters('named.' ~ column, uncarriable_characters_pattern()) }}
                then '{{ column }}'
            {%- endfor %}
        end as uncarriable_column,
        {{ first_character(carried_texts('named', is_person('named')), uncarriable_characters_pattern()) }}
            as uncarriable_character

    {#- Each value and length computed once, not repeated in every expression that reads it
        (rejected records only: no short cut for short values is needed). #}
    from (
        select
            named_texts.*,
            {%- for column in free_text.values() %}
            {{ utf16_length('named_texts.' ~ column) }} as {{ column }}_length,
            {%- endfor %}
            {{ utf16_length('named_texts.extracted_name') }} as name_length
        from (
            select {{ texts }}.*, {{ customer_name_for_fo(texts) }} as extracted_name
            from {{ texts }}
        ) as named_texts
    ) as named

    cross join (
        {{ field_max_lengths(field_lengths, 'customer_definitions', definitions_checked_fields()) }}
    ) as max_lengths
{%- endmacro %}
