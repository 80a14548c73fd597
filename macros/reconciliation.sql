{#- The landed record behind each row of a mart (the mart writes the account as extracted):
    its line, and COLUMNS of the mart row. -#}
{% macro records_behind_mart_rows(customers, mart, columns=[]) -%}
    select
        {{ customers }}.source_line
        {%- for column in columns %},
        {{ column }}
        {%- endfor %}

    from {{ customers }}

    inner join {{ mart }}
        on {{ customers }}.data_area_id = {{ mart }}.{{ adapter.quote('DATAAREAID') }}
            and {{ customers }}.customer_number = {{ mart }}.{{ adapter.quote('CUSTOMERACCOUNT') }}
{%- endmacro %}
