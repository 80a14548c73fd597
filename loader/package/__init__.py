"""Dynamics 365 F&O data packages: write them from data, verify any of them.

Nothing here knows about customers: an entity is a description
(`loader.package.entity.EntityDescription`), and the descriptions the project
uses are data in `loader.package.entities`.
"""
