{#- A table's key, in one pass: no row leaves a column of `key` or of `required` empty, and no
    two rows share the key as F&O compares keys (`normalized_key`: trimmed, case-, width- and
    kana-insensitive). One failing row per key that repeats or has a row with a missing value.
    One test (one dbt node, one scan) where a not-null and a uniqueness test would be two. -#}
{% test unique_key(model, key, required=[]) %}

{{ key_problems(model, key, required) }}

{% endtest %}
