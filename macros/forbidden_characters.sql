{#- Characters a value in a Customer details V2 package must not hold: the CSV delimiter and
    text qualifier (`,` `"`), every C0 control (CR, LF, tab and the XML 1.0-illegal ones), C1
    controls, the noncharacters U+FFFE and U+FFFF (XML cannot carry them), and invisible
    characters that break F&O's lookups (U+00A0 no-break space, U+00AD soft hyphen, U+061C
    Arabic letter mark, U+180E Mongolian vowel separator, zero-width and directional marks and
    isolates, U+2060 word joiner, U+FEFF BOM). -#}
{% macro forbidden_characters_pattern() -%}
    [,"\x00-\x1F\x7F-\x9F\xA0\xAD\x{061C}\x{180E}\x{200B}-\x{200F}\x{2028}-\x{202F}\x{2060}-\x{2069}\x{FEFF}\x{FFFE}\x{FFFF}]
{%- endmacro %}


{#- Characters an XML 1.0 document cannot carry at all, even escaped: the C0 controls other than
    tab, line feed and carriage return, and U+FFFE, U+FFFF. Free text of Customer definitions
    travels in XML attributes, so only these are refused there (UNCARRIABLE_CHARACTER). -#}
{% macro uncarriable_characters_pattern() -%}
    [\x00-\x08\x0B\x0C\x0E-\x1F\x{FFFE}\x{FFFF}]
{%- endmacro %}


{#- True when the expression holds a forbidden character, NULL for NULL. -#}
{% macro has_forbidden_characters(expression) -%}
    {{ has_characters(expression, forbidden_characters_pattern()) }}
{%- endmacro %}

{#- The first forbidden character as a code point a person can search for, e.g. `U+00A0`. -#}
{% macro first_forbidden_character(expression) -%}
    {{ first_character(expression, forbidden_characters_pattern()) }}
{%- endmacro %}


{#- True when the expression holds a character of the class PATTERN, NULL for NULL. -#}
{% macro has_characters(expression, pattern) -%}
    {{ return(adapter.dispatch('has_characters', 'd365_customer_migration')(expression, pattern)) }}
{%- endmacro %}

{% macro default__has_characters(expression, pattern) -%}
    regexp_like({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro duckdb__has_characters(expression, pattern) -%}
    regexp_matches({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__has_characters(expression, pattern) -%}
    ({{ expression }} rlike '{{ pattern | replace("\\", "\\\\") }}')
{%- endmacro %}


{#- The first character of the class PATTERN as a code point, e.g. `U+00A0`; NULL when none. -#}
{% macro first_character(expression, pattern) -%}
    {{ return(adapter.dispatch('first_character', 'd365_customer_migration')(expression, pattern)) }}
{%- endmacro %}

{% macro default__first_character(expression, pattern) -%}
    'a forbidden character'
{%- endmacro %}

{% macro duckdb__first_character(expression, pattern) -%}
    case
        when {{ duckdb__has_characters(expression, pattern) }}
            then printf('U+%04X', unicode(regexp_extract({{ expression }}, '{{ pattern }}')))
    end
{%- endmacro %}

{% macro spark__first_character(expression, pattern) -%}
    case
        when {{ spark__has_characters(expression, pattern) }}
            then format_string('U+%04X', ascii(regexp_extract({{ expression }}, '({{ pattern | replace("\\", "\\\\") }})', 1)))
    end
{%- endmacro %}
