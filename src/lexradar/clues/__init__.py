"""The casebook: clues, their workflow, supervised cases, users and the audit chain.

Modules by seam: ``tables`` (schema), ``db`` (engines, transactions, the write path),
``store`` (loading runs by fingerprint), ``workflow`` (state machine), ``cases``,
``queries`` (reading, masking, reveal), ``access`` (users, roles, region scoping), ``audit``.
"""
