"""The document layer: what invoices, purchase orders, notes and payments share.

Abstract models (`models`), a family's specification as data (`spec`), the
registry of families (`registry`), one implementation of receiving, requesting and
applying results (`services`), and the domain's errors (`errors`).
"""
