"""The entities this project writes packages for. Adding an entity means adding a description."""

from loader.package.entity import EntityDescription, EntityField

# The CustAccount extended data type: 20 characters unless the target lengthened it.
CUSTOMER_ACCOUNT_LENGTH = 20

CUSTOMER_DETAILS_V2 = EntityDescription(
    label="Customer details V2",
    target_entity="CustCustomerDetailV2Entity",
    file_stem="CustomerDetailsV2",
    fields=(
        EntityField("CUSTOMERACCOUNT", max_length=CUSTOMER_ACCOUNT_LENGTH),
        EntityField("INVOICEACCOUNT", max_length=CUSTOMER_ACCOUNT_LENGTH),
        EntityField("DEFAULTDIMENSIONDISPLAYVALUE"),
    ),
    key_fields=("CUSTOMERACCOUNT",),
    # Level 2: in a package that also holds Customer definitions (level 1), details run after
    # the customers exist.
    level=2,
    sequence=1,
    import_after=("Customer definitions",),
    import_threshold_record_count=1000,
    import_task_count=8,
)

# Fields whose limit is the customer account length (`--max-account-length`).
ACCOUNT_FIELDS = ("CUSTOMERACCOUNT", "INVOICEACCOUNT")

ENTITIES: tuple[EntityDescription, ...] = (CUSTOMER_DETAILS_V2,)


def by_label(label: str) -> EntityDescription | None:
    """The description of the entity Data management shows under LABEL, if we know it."""
    for entity in ENTITIES:
        if entity.label.lower() == label.lower():
            return entity
    return None
