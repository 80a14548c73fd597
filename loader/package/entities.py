"""The entities this project writes packages for, as descriptions.

Lengths that a migration team may change are not here: `loader.registry` sets them from the
dbt seed `field_lengths` (and `--max-account-length` for accounts), as the models do.
"""

from loader.package.entity import EntityDescription, EntityField
from loader.package.xml_attribute import XML_ATTRIBUTE

# The CustAccount extended data type: 20 characters unless the target lengthened it.
CUSTOMER_ACCOUNT_LENGTH = 20
# Microsoft's recommended entity execution parameters for both customer entities.
_THRESHOLD = 1000
_TASKS = 8

CUSTOMER_DEFINITIONS = EntityDescription(
    label="Customer definitions",
    target_entity="CustCustomerBaseEntity",
    file_stem="CustomerDefinitions",
    fields=(
        EntityField("CUSTOMERACCOUNT", max_length=CUSTOMER_ACCOUNT_LENGTH),
        # Required by F&O, even for a person (customer-definitions-entity.md).
        *(
            EntityField(name, required=True)
            for name in ("NAME", "CUSTOMERGROUPID", "SALESCURRENCYCODE")
        ),
        *(
            EntityField(name)
            for name in (
                "PARTYTYPE",
                "PERSONFIRSTNAME",
                "PERSONMIDDLENAME",
                "PERSONLASTNAME",
                "NAMEALIAS",
                "ADDRESSDESCRIPTION",
                "ADDRESSSTREET",
                "ADDRESSCITY",
                "ADDRESSZIPCODE",
                "ADDRESSSTATE",
                "ADDRESSCOUNTY",
                "ADDRESSCOUNTRYREGIONID",
                "PRIMARYCONTACTEMAIL",
                "PRIMARYCONTACTPHONE",
                "LANGUAGEID",
            )
        ),
    ),
    key_fields=("CUSTOMERACCOUNT",),
    # Names and streets hold commas, quotes and line breaks: XML escaping carries them exactly,
    # as in F&O's own export of this entity (docs/packages.md says why not CSV).
    data_format=XML_ATTRIBUTE,
    level=1,
    sequence=1,
    import_threshold_record_count=_THRESHOLD,
    import_task_count=_TASKS,
    import_notes=(
        "Customer groups carry number sequences: for every customer group the packages use, "
        "the number sequence of its customer accounts must be Manual or allow manual "
        "changes, or F&O refuses the imported accounts.",
    ),
)

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
    import_after=(CUSTOMER_DEFINITIONS.label,),
    import_threshold_record_count=_THRESHOLD,
    import_task_count=_TASKS,
)

# Fields whose limit is the customer account length (`--max-account-length`).
ACCOUNT_FIELDS = ("CUSTOMERACCOUNT", "INVOICEACCOUNT")
