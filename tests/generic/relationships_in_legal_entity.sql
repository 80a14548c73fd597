{#- Every non-NULL value names a row of `to` in the same legal entity, both compared as F&O
    compares keys (`normalized_key`). -#}
{% test relationships_in_legal_entity(model, column_name, legal_entity_column, to, to_field, to_legal_entity_field) %}

with

child as (

    select
        {{ legal_entity_column }} as legal_entity,
        {{ column_name }} as account,
        {{ normalized_key(legal_entity_column) }} as legal_entity_key,
        {{ normalized_key(column_name) }} as account_key

    from {{ model }}

    where {{ column_name }} is not null

),

parent as (

    select distinct
        {{ normalized_key(to_legal_entity_field) }} as legal_entity_key,
        {{ normalized_key(to_field) }} as account_key

    from {{ to }}

),

final as (

    select
        child.legal_entity,
        child.account

    from child

    left join parent
        on child.legal_entity_key = parent.legal_entity_key
        and child.account_key = parent.account_key

    where parent.account_key is null

)

select * from final

{% endtest %}
