"""The value types of the data contract, each with its functions: the registry.

Every field of the contract names its value type (``value_type`` in
``lexradar/datasets/contract/*.yaml``), and what lexradar does with a value follows from that
type alone — how it is cleaned at ingestion, how two values are compared in resolution, how it
is shown to a role that sees masked data, whether it is replaced when a golden example is
pseudonymised. One module per type (FollowTheMoney's way) speaks the same verbs:
``clean(raw)``, ``is_valid(value)``, ``compare(a, b)`` and ``mask(value)``.

====================  =====================================================  ======  ========
type                  module                                                 masked  replaced
====================  =====================================================  ======  ========
``resident_id``       :mod:`~lexradar.normalize.resident_id`                 yes     yes
``name``              :mod:`~lexradar.normalize.name`                        yes     yes
``address``           :mod:`~lexradar.normalize.address`                     yes     yes
``birth_date``        :mod:`~lexradar.normalize.date` (``mask_birth``)       yes     no
``date``              :mod:`~lexradar.normalize.date`                        no      no
``region_code``       :mod:`~lexradar.normalize.region_code`                 no      no
``money``             :mod:`~lexradar.normalize.money`                       no      no
``cert_no``           :mod:`~lexradar.normalize.cert_no`                     no      yes
``doc_no``            :mod:`~lexradar.normalize.doc_no`                      no      yes
``code``              :mod:`~lexradar.normalize.code`                        no      no
``text``              :mod:`~lexradar.normalize.text`                        no      no
``number``            :mod:`~lexradar.normalize.number`                      no      no
``flag``              :mod:`~lexradar.normalize.flag`                        no      no
====================  =====================================================  ======  ========

"Masked" types are hidden from roles that see masked data (:func:`lexradar.normalize.masking.
mask`); "replaced" types are swapped for consistent pseudonyms when a golden example is made
from a real case (:mod:`lexradar.normalize.pseudonym`). Dates are kept in pseudonymised
examples because rules are about them; a date of birth is still masked on screen. The
resident IDs inside any text are masked whatever the text's type.

``cert_no`` (marriage certificate numbers) takes its normal form and comparison from
:mod:`lexradar.normalize.cert_no`, and is shown as document numbers are
(:func:`lexradar.normalize.doc_no.mask`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lexradar.errors import NormalizeError
from lexradar.normalize import (
    address,
    cert_no,
    code,
    date,
    doc_no,
    flag,
    money,
    name,
    number,
    region_code,
    resident_id,
    text,
)
from lexradar.normalize.base import Comparison


@dataclass(frozen=True)
class ValueType:
    """One value type: its verbs, the storage types a field of it may have, how private it is."""

    name: str
    doc: str
    storage: frozenset[str]
    """Contract storage types (``string``, ``date`` ...) a field of this type may have."""
    clean: Callable[[Any], Any]
    is_valid: Callable[[Any], bool]
    compare: Callable[[Any, Any], Comparison]
    mask: Callable[[Any], Any]
    masked: bool = False
    """Hidden (by :attr:`mask`) from roles that see masked data."""
    replaced: bool = False
    """Swapped for a consistent pseudonym in golden examples made from a real case."""


def _type(
    type_name: str,
    doc: str,
    module: Any,
    storage: str,
    *,
    masked: bool = False,
    replaced: bool = False,
    mask: Callable[[Any], Any] | None = None,
) -> ValueType:
    return ValueType(
        type_name,
        doc,
        frozenset(storage.split()),
        module.clean,
        module.is_valid,
        module.compare,
        mask or module.mask,
        masked,
        replaced,
    )


TYPES: dict[str, ValueType] = {
    t.name: t
    for t in (
        _type(
            "resident_id",
            "resident identity number (GB 11643-1999), 18 characters",
            resident_id,
            "string",
            masked=True,
            replaced=True,
        ),
        _type("name", "personal name", name, "string", masked=True, replaced=True),
        _type(
            "address",
            "postal or registered address",
            address,
            "string",
            masked=True,
            replaced=True,
        ),
        _type(
            "birth_date",
            "date of birth (personal: masked to its year)",
            date,
            "date",
            masked=True,
            mask=date.mask_birth,
        ),
        _type("date", "date or time of an event", date, "date timestamp"),
        _type("region_code", "GB/T 2260 administrative division code", region_code, "string"),
        _type("money", "amount in yuan", money, "decimal"),
        _type(
            "cert_no",
            "marriage or divorce certificate number",
            cert_no,
            "string",
            replaced=True,
            mask=doc_no.mask,
        ),
        _type(
            "doc_no",
            "number of a person's or household's document or register entry",
            doc_no,
            "string",
            replaced=True,
        ),
        _type("code", "identifier or value of a closed vocabulary", code, "string"),
        _type("text", "free text", text, "string"),
        _type("number", "whole number: a count or a term", number, "int32 int64"),
        _type("flag", "yes or no", flag, "bool"),
    )
}
"""Every value type by name."""

MASKED: frozenset[str] = frozenset(t.name for t in TYPES.values() if t.masked)
"""Types hidden from roles that see masked data."""

REPLACED: frozenset[str] = frozenset(t.name for t in TYPES.values() if t.replaced)
"""Types replaced in pseudonymised golden examples."""


def value_type(type_name: str) -> ValueType:
    """The value type called ``type_name``, or an error listing the known ones."""
    try:
        return TYPES[type_name]
    except KeyError:
        raise NormalizeError(
            f"unknown value type '{type_name}'; known: {', '.join(TYPES)}",
            reason="unknown_type",
            value=type_name,
        ) from None
