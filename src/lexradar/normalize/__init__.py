"""Normalizers for the values agency records carry: one module per value type.

Every module speaks the same verbs:

- ``is_valid(value)`` — is this already the canonical form?
- ``clean(raw)`` — return the canonical value, or raise :class:`lexradar.errors.NormalizeError`
  whose ``reason`` is a short code (``bad_check_digit``, ``empty_name``, ``bad_date`` ...) and
  whose ``value`` is the raw value as given;
- ``compare(a, b)`` — return a :class:`lexradar.normalize.base.Comparison`: a short ``level``
  code and a ``detail`` phrase that names the values behind it (the "why" shown to users).

Modules: ``resident_id`` (GB 11643-1999 resident identity numbers), ``name`` (Chinese personal
names), ``date`` (dates as agencies write them), ``money`` (amounts in yuan), ``region_code``
(GB/T 2260 administrative divisions). They are pure functions over the standard library,
OpenCC and pypinyin; import the one you need, nothing is loaded eagerly.
"""
