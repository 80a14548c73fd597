-- Key normalisation and legal entity mapping of the legacy customer records.
with

customers as (

    select * from {{ ref('stg_legacy__customers') }}

),

legal_entities as (

    select * from {{ ref('legal_entities') }}

),

legal_entities_keyed as (

    select
        {{ normalized_key('legacy_company') }} as company_key,
        {{ trim_spaces('data_area_id') }} as data_area_id,
        {{ normalized_key('data_area_id') }} as data_area_key

    from legal_entities

),

customers_keyed as (

    select
        source_file,
        source_line,
        company,
        customer_number,
        bill_to_customer_number,
        {{ normalized_key('company') }} as company_key,
        {{ normalized_key('customer_number') }} as customer_key,
        {{ normalized_key('bill_to_customer_number') }} as bill_to_key

    from customers

),

mapped_to_legal_entities as (

    select
        customers_keyed.source_file,
        customers_keyed.source_line,
        customers_keyed.company,
        customers_keyed.customer_number,
        customers_keyed.bill_to_customer_number,
        customers_keyed.company_key,
        customers_keyed.customer_key,
        customers_keyed.bill_to_key,
        legal_entities_keyed.data_area_id,
        legal_entities_keyed.data_area_key

    from customers_keyed

    left join legal_entities_keyed
        on customers_keyed.company_key = legal_entities_keyed.company_key

),

final as (

    select * from mapped_to_legal_entities

)

select * from final
