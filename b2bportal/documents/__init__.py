"""The document layer: what invoices, purchase orders, notes and payments share.

Abstract models (`models`), a family's specification as data (`spec`), the
registry of families (`registry`), one implementation of receiving, requesting and
applying results (`services`), the typed values the services decide on (`values`),
the wire, checks and written content every family shares (`wire`, `findings`,
`local`), and the domain's errors (`errors`).
"""
