-- Each broken rule of the precedence a customer record is rejected at in each entity (several
-- rules of one precedence are reported together): the rows int_customers__rejected details.
-- `entity` says which rejects mart a row belongs to: an account rule (`all`) rejects both.
{%- set customer_rules = customer_rule_codes() %}

with

customers as (

    select * from {{ ref('int_customers') }}

),

rules as (

    select * from {{ ref('rules') }}

),

rejected_customers as (

    select *

    from customers

    where rejected_precedence is not null
        or definitions_rejected_precedence is not null

),

final as (

    select
        rejected_customers.*,
        rules.rule,
        rules.entity

    from rejected_customers

    inner join rules
        on rules.grain = 'customer'
            and (
                (
                    rules.entity in ('all', 'customer_details_v2')
                    and rejected_customers.rejected_precedence = rules.precedence
                )
                or (
                    rules.entity = 'customer_definitions'
                    and rejected_customers.definitions_rejected_precedence = rules.precedence
                )
            )

    where {{ breaks_rule('rules.rule', customer_rules) }}

)

-- All of the record's columns, as int_customers has them: the details read many of them.
select * from final  -- noqa: AM04
