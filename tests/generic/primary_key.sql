{#- The column is a table's grain: present on every row and unique, compared as stored. One
    scan (one dbt node) where a not-null and a uniqueness test would be two: one failing row per
    value that repeats, and one for the rows without a value. -#}
{% test primary_key(model, column_name) %}

{{ adapter.dispatch('test_primary_key', 'd365_customer_migration')(model, column_name) }}

{% endtest %}
