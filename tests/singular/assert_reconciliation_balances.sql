-- Every landed record is exported, rejected or skipped, exactly once: no record without an
-- outcome or with two (`unaccounted`), and the counts add up.
select
    entity,
    source_file,
    data_area_id,
    extracted,
    exported,
    rejected,
    skipped,
    unaccounted

from {{ ref('migration_reconciliation') }}

where unaccounted <> 0
    or extracted <> exported + rejected + skipped
