{#- Every non-NULL value names a row of `to` in the same legal entity, both compared as F&O
    compares keys (`normalized_key`). -#}
{% test relationships_in_legal_entity(model, column_name, legal_entity_column, to, to_field, to_legal_entity_field) %}

{{ missing_references(model, column_name, legal_entity_column, to, to_field, to_legal_entity_field) }}

{% endtest %}
