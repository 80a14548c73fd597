-- Every landed record is exported, rejected or skipped, exactly once.
select
    source_file,
    data_area_id,
    extracted,
    exported,
    rejected,
    skipped

from {{ ref('migration_reconciliation') }}

where extracted <> exported + rejected + skipped
