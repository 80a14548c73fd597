"""A stand-in for F&O's Data management package API, for the import tests only.

F&O cannot run here; Azurite (the Azure Storage emulator) can, so the blob leg is real.
"""
