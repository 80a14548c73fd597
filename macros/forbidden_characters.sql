{#- Characters a value in a Customer details V2 package must not hold: the CSV delimiter and
    text qualifier (`,` `"`), every C0 control (CR, LF, tab and the XML 1.0-illegal ones), C1
    controls, and invisible characters that break F&O's lookups (U+00A0 no-break space, U+00AD
    soft hyphen, zero-width and directional marks, U+2060 word joiner, U+FEFF BOM). -#}
{% macro forbidden_characters_pattern() -%}
    [,"\x00-\x1F\x7F-\x9F\xA0\xAD\x{200B}-\x{200F}\x{2028}-\x{202F}\x{2060}-\x{2064}\x{FEFF}]
{%- endmacro %}


{#- True when the expression holds a forbidden character, NULL for NULL. -#}
{% macro has_forbidden_characters(expression) -%}
    {{ return(adapter.dispatch('has_forbidden_characters', 'd365_customer_migration')(expression)) }}
{%- endmacro %}

{% macro default__has_forbidden_characters(expression) -%}
    regexp_like({{ expression }}, '{{ forbidden_characters_pattern() }}')
{%- endmacro %}

{% macro duckdb__has_forbidden_characters(expression) -%}
    regexp_matches({{ expression }}, '{{ forbidden_characters_pattern() }}')
{%- endmacro %}

{% macro spark__has_forbidden_characters(expression) -%}
    ({{ expression }} rlike '{{ forbidden_characters_pattern() | replace("\\", "\\\\") }}')
{%- endmacro %}


{#- The first forbidden character as a code point a person can search for, e.g. `U+00A0`. -#}
{% macro first_forbidden_character(expression) -%}
    {{ return(adapter.dispatch('first_forbidden_character', 'd365_customer_migration')(expression)) }}
{%- endmacro %}

{% macro default__first_forbidden_character(expression) -%}
    'a forbidden character'
{%- endmacro %}

{% macro duckdb__first_forbidden_character(expression) -%}
    case
        when {{ duckdb__has_forbidden_characters(expression) }}
            then printf('U+%04X', unicode(regexp_extract({{ expression }}, '{{ forbidden_characters_pattern() }}')))
    end
{%- endmacro %}

{% macro spark__first_forbidden_character(expression) -%}
    case
        when {{ spark__has_forbidden_characters(expression) }}
            then format_string('U+%04X', ascii(regexp_extract({{ expression }}, '({{ forbidden_characters_pattern() | replace("\\", "\\\\") }})', 1)))
    end
{%- endmacro %}
