"""Normalizers for the values agency records carry: one module per value type.

Every module speaks the same verbs:

- ``is_valid(value)`` — is this already the canonical form?
- ``clean(raw)`` — return the canonical value, or raise :class:`lexradar.errors.NormalizeError`
  whose ``reason`` is a short code (``bad_check_digit``, ``empty_name``, ``bad_date`` ...) and
  whose ``value`` is the raw value as given;
- ``compare(a, b)`` — return a :class:`lexradar.normalize.base.Comparison`: a short ``level``
  code and a ``detail`` phrase that names the values behind it (the "why" shown to users);
- ``mask(value)`` — the value as a role that sees masked data is shown it.

Modules: ``resident_id`` (GB 11643-1999 resident identity numbers), ``name`` (Chinese personal
names), ``address``, ``date`` (dates as agencies write them; dates of birth masked to their
year), ``money`` (amounts in yuan), ``region_code`` (GB/T 2260 administrative divisions),
``cert_no`` (marriage certificates), ``doc_no`` (other document numbers), ``code``, ``text``,
``number``, ``flag``. :mod:`lexradar.normalize.types` maps each value type of the data contract
to its module; :mod:`lexradar.normalize.masking` is the one masking function and
:mod:`lexradar.normalize.pseudonym` the pseudonymiser of golden examples. The value modules are
pure functions over the standard library, OpenCC and pypinyin.
"""
