"""`loader import`: the packages into F&O through its Data management package REST API.

plan (what to import, in which order) -> blob upload and DMF calls (api, transport, auth)
-> the journal in the migration database (what was started, what F&O answered) -> error
files brought back (failures). docs/import.md describes the behaviour.
"""
