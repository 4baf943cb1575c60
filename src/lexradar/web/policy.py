"""The access policy of the workbench: who may call each route, and on what.

:data:`POLICY` has one :class:`Rule` per route (method and path): the roles that may call it
(``None``: anyone, logged in or not), the kind of object its path (or body) names whose region
decides whether the user may touch it (``clue``, ``case``, ``user``, ``job``), and whether its
answer carries personal data (always masked, unless the route is a reveal).

The application enforces the roles itself: :func:`bind` maps every route of the app to its
rule — a route without one stops the app from starting, so a new route needs a decision here
— and :func:`enforce`, a dependency of the whole app, answers 401 (API) or the login page to a
request without a session and 403 to a role the rule does not list. The routes check again
(``require_role``) and the casebook's functions scope every object to the user's region
subtree (an object outside it is "not found", 404). ``tests/security/test_access_matrix.py``
calls every route as every role, on objects of the user's own, parent and a foreign region,
and checks each answer against this table; docs/web.md prints it (:func:`markdown`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request

from lexradar.clues.access import ROLES
from lexradar.clues.errors import PermissionDenied

ALL = frozenset(ROLES)
WORKERS = frozenset({"admin", "leader", "handler"})
BUILDERS = frozenset({"admin", "model_builder"})
DATA = frozenset({"admin", "leader", "model_builder"})
LEADERS = frozenset({"admin", "leader"})
ADMIN = frozenset({"admin"})
SCOPES = ("clue", "case", "user", "job", "person")


@dataclass(frozen=True)
class Rule:
    """Who may call a route, and what of theirs it touches."""

    roles: frozenset[str] | None
    """Roles that may call it; ``None``: anyone, even without logging in."""
    what: str
    """What it does, in a few words (the documentation's column)."""
    scope: str | None = None
    """The kind of object (in the path or the body) that must lie in the user's subtree: a
    ``clue`` or ``case`` of its procuratorates, a ``user`` of them, a ``job`` of a user of
    them (only admins follow others' jobs), a ``person`` cited by a clue of them (or any
    person, for an admin of a province); outside it the object is not found (404)."""
    personal: bool = False
    """The answer holds personal data: masked (resident IDs, names)."""
    reveals: bool = False
    """The answer is unmasked: a reveal, which needs a reason and is audited."""
    temporary: bool = False
    """Open to a user who must still change a temporary password (everything else refuses
    them: pages send them to the change-password page, the API answers 403)."""

    @property
    def public(self) -> bool:
        return self.roles is None


def _r(roles: frozenset[str] | None, what: str, **kw: Any) -> Rule:
    return Rule(roles, what, **kw)


POLICY: dict[tuple[str, str], Rule] = {
    # signing in and out, the language, the API's documents
    ("GET", "/login"): _r(None, "login page"),
    ("POST", "/login"): _r(None, "log in (throttled; a new session)"),
    ("POST", "/logout"): _r(None, "log out (the session ends)"),
    ("POST", "/lang"): _r(None, "switch the language"),
    ("GET", "/api/session"): _r(None, "the CSRF token and who is logged in"),
    ("POST", "/api/login"): _r(None, "log in (throttled; a new session)"),
    ("POST", "/api/logout"): _r(None, "log out (the session ends)"),
    ("GET", "/api/docs"): _r(None, "API documentation (Swagger UI)"),
    ("GET", "/api/openapi.json"): _r(None, "the OpenAPI document"),
    ("GET", "/static"): _r(None, "style sheets and scripts"),
    # reading: every role, in its own subtree
    ("GET", "/"): _r(ALL, "dashboard of the subtree (drill-down inside it)"),
    ("GET", "/clues"): _r(ALL, "the clue queue, filtered (a search term refused)", personal=True),
    ("POST", "/clues"): _r(
        ALL, "the clue queue; search by ID, name, case or certificate no. (audited)", personal=True
    ),
    ("GET", "/clues/export.{fmt}"): _r(
        ALL, "the filtered queue as .xlsx or .csv, masked (audited)", personal=True
    ),
    ("POST", "/clues/export-masked.{fmt}"): _r(
        ALL, "the filtered and searched queue as .xlsx or .csv, masked (audited)", personal=True
    ),
    ("POST", "/clues/filters"): _r(ALL, "save the queue's filters under a name (own; audited)"),
    ("POST", "/clues/filters/{filter_id}/delete"): _r(
        ALL, "delete one's own saved filters (audited)"
    ),
    ("GET", "/clues/{clue_id}"): _r(ALL, "a clue", scope="clue", personal=True),
    ("GET", "/clues/{clue_id}/evidence"): _r(
        ALL, "a clue's evidence records", scope="clue", personal=True
    ),
    ("GET", "/clues/{clue_id}/resolution"): _r(
        ALL, "why a clue's records are one person", scope="clue", personal=True
    ),
    ("GET", "/persons/{person_ref}"): _r(
        ALL, "a person's records, clues and links (一人一档)", scope="person", personal=True
    ),
    ("GET", "/models"): _r(ALL, "the model catalogue"),
    ("GET", "/models/{model_id}"): _r(ALL, "a model", personal=True),
    ("GET", "/api/me"): _r(ALL, "the logged-in user", temporary=True),
    ("GET", "/account/password"): _r(ALL, "change one's own password", temporary=True),
    ("POST", "/account/password"): _r(ALL, "change one's own password (audited)", temporary=True),
    ("POST", "/api/me/password"): _r(ALL, "change one's own password (audited)", temporary=True),
    ("GET", "/api/dashboard"): _r(ALL, "dashboard figures of the subtree"),
    ("GET", "/api/clues"): _r(ALL, "a page of clues", personal=True),
    ("POST", "/api/clues/search"): _r(
        ALL,
        "a page of clues searched by ID, name, case or certificate no. (audited)",
        personal=True,
    ),
    ("GET", "/api/clues/{clue_id}"): _r(ALL, "a clue", scope="clue", personal=True),
    ("GET", "/api/models"): _r(ALL, "the models and their yield in the subtree"),
    ("GET", "/api/models/{model_id}"): _r(ALL, "a model", personal=True),
    ("GET", "/api/procuratorates"): _r(ALL, "procuratorates of the subtree"),
    # working clues and cases: admins, leaders, handlers
    ("POST", "/clues/assign"): _r(WORKERS, "assign ticked clues", scope="clue"),
    ("POST", "/clues/{clue_id}/reveal"): _r(
        WORKERS, "reveal a clue (a reason, audited)", scope="clue", personal=True, reveals=True
    ),
    ("POST", "/clues/{clue_id}/act"): _r(WORKERS, "a workflow step or a note", scope="clue"),
    ("POST", "/clues/export.{fmt}"): _r(
        WORKERS,
        "the filtered queue as .xlsx or .csv, revealed (a reason, audited)",
        personal=True,
        reveals=True,
    ),
    ("GET", "/clues/{clue_id}/recommendation.docx"): _r(
        WORKERS, "a clue's recommendation, masked", scope="clue", personal=True
    ),
    ("POST", "/clues/{clue_id}/recommendation.docx"): _r(
        WORKERS,
        "a clue's recommendation, revealed (a reason, audited)",
        scope="clue",
        personal=True,
        reveals=True,
    ),
    ("POST", "/clues/{clue_id}/recommendation"): _r(
        WORKERS,
        "a clue's recommendation: number, date, .docx or .pdf (revealed: a reason, audited)",
        scope="clue",
        personal=True,
        reveals=True,
    ),
    ("GET", "/cases"): _r(WORKERS, "supervised cases of the subtree", personal=True),
    ("POST", "/cases/{case_id}/close"): _r(WORKERS, "close a case", scope="case"),
    ("GET", "/cases/{case_id}/recommendation.docx"): _r(
        WORKERS, "a case's recommendation, masked", scope="case", personal=True
    ),
    ("POST", "/cases/{case_id}/recommendation.docx"): _r(
        WORKERS,
        "a case's recommendation, revealed (a reason, audited)",
        scope="case",
        personal=True,
        reveals=True,
    ),
    ("POST", "/cases/{case_id}/recommendation"): _r(
        WORKERS,
        "a case's recommendation: number, date, .docx or .pdf (revealed: a reason, audited)",
        scope="case",
        personal=True,
        reveals=True,
    ),
    ("POST", "/api/clues/assign"): _r(WORKERS, "assign clues, all or none", scope="clue"),
    ("POST", "/api/clues/{clue_id}/reveal"): _r(
        WORKERS, "reveal a clue (a reason, audited)", scope="clue", personal=True, reveals=True
    ),
    ("POST", "/api/clues/{clue_id}/transition"): _r(
        WORKERS, "a workflow step or a note", scope="clue"
    ),
    ("GET", "/api/cases"): _r(WORKERS, "supervised cases", personal=True),
    ("POST", "/api/cases"): _r(WORKERS, "open a case from confirmed clues", scope="clue"),
    ("POST", "/api/cases/{case_id}/close"): _r(WORKERS, "close a case", scope="case"),
    # data and reports
    ("GET", "/batches"): _r(DATA, "ingestion batches"),
    ("GET", "/batches/{batch_id}"): _r(DATA, "a batch's quality report"),
    ("GET", "/api/batches"): _r(DATA, "ingestion batches"),
    ("GET", "/reports/period.{kind}"): _r(LEADERS, "the period report of the subtree"),
    # models: running them, the studio
    ("POST", "/models/{model_id}/run"): _r(BUILDERS, "run a model (a job, the subtree)"),
    ("POST", "/api/models/{model_id}/run"): _r(BUILDERS, "run a model (a job, the subtree)"),
    ("GET", "/models/jobs/{job_id}"): _r(BUILDERS, "a job's progress", scope="job"),
    ("GET", "/api/jobs/{job_id}"): _r(BUILDERS, "a job's progress", scope="job"),
    ("GET", "/studio"): _r(
        BUILDERS, "drafts and models under construction (a search term refused)"
    ),
    ("POST", "/studio"): _r(
        BUILDERS,
        "drafts; lake search in the subtree by ID, name or number (audited)",
        personal=True,
    ),
    ("GET", "/studio/new"): _r(BUILDERS, "records picked for a draft", personal=True),
    ("POST", "/studio/new"): _r(BUILDERS, "a draft from a case of the subtree"),
    ("GET", "/studio/{model_id}"): _r(BUILDERS, "a draft", personal=True),
    ("POST", "/studio/{model_id}/blocks"): _r(BUILDERS, "add a block"),
    ("POST", "/studio/{model_id}/blocks/{number}/remove"): _r(BUILDERS, "remove a block"),
    ("POST", "/studio/{model_id}/filters"): _r(BUILDERS, "add a filter"),
    ("POST", "/studio/{model_id}/params"): _r(BUILDERS, "declare a parameter"),
    ("POST", "/studio/{model_id}/meta"): _r(BUILDERS, "titles, rule, legal basis"),
    ("POST", "/studio/{model_id}/sql"): _r(BUILDERS, "hand-edited SQL"),
    ("POST", "/studio/{model_id}/try"): _r(BUILDERS, "try the draft on the lake"),
    ("GET", "/studio/{model_id}/hits"): _r(BUILDERS, "hits of the last try", personal=True),
    ("POST", "/studio/{model_id}/mark"): _r(BUILDERS, "judge a hit (a golden example)"),
    ("GET", "/studio/{model_id}/compare"): _r(BUILDERS, "two versions compared", personal=True),
    ("GET", "/studio/{model_id}/examples"): _r(BUILDERS, "run the golden examples"),
    ("POST", "/studio/{model_id}/promote"): _r(BUILDERS, "promote (gated, audited)"),
    # administration: admins, in their subtree
    ("GET", "/audit"): _r(ADMIN, "audit entries about the subtree; verify the chain"),
    ("GET", "/api/audit"): _r(ADMIN, "audit entries about the subtree"),
    ("GET", "/admin"): _r(ADMIN, "users and procuratorates of the subtree"),
    ("POST", "/admin/users"): _r(ADMIN, "add a user in the subtree"),
    ("POST", "/admin/procuratorates"): _r(ADMIN, "add a procuratorate in the subtree"),
    ("POST", "/admin/users/{username}/revoke-sessions"): _r(
        ADMIN, "end a user's sessions (audited)", scope="user"
    ),
    ("POST", "/admin/users/{username}/deactivate"): _r(
        ADMIN, "deactivate a user (sessions end; audited)", scope="user"
    ),
    ("POST", "/admin/users/{username}/activate"): _r(
        ADMIN, "reactivate a user (audited)", scope="user"
    ),
    ("POST", "/admin/users/{username}/reset-password"): _r(
        ADMIN, "a temporary password, changed at next login (audited)", scope="user"
    ),
    ("POST", "/admin/users/{username}/set"): _r(
        ADMIN, "change role / procuratorate within the subtree (audited)", scope="user"
    ),
    ("GET", "/api/users"): _r(ADMIN, "users of the subtree"),
    ("POST", "/api/users/{username}/deactivate"): _r(
        ADMIN, "deactivate a user (sessions end; audited)", scope="user"
    ),
    ("POST", "/api/users/{username}/activate"): _r(
        ADMIN, "reactivate a user (audited)", scope="user"
    ),
    ("POST", "/api/users/{username}/reset-password"): _r(
        ADMIN, "a temporary password, changed at next login (audited)", scope="user"
    ),
    ("POST", "/api/users/{username}/set"): _r(
        ADMIN, "change role / procuratorate within the subtree (audited)", scope="user"
    ),
    ("POST", "/api/users"): _r(ADMIN, "add a user in the subtree"),
    ("POST", "/api/users/{username}/revoke-sessions"): _r(
        ADMIN, "end a user's sessions (audited)", scope="user"
    ),
}


def routes_of(app: FastAPI) -> list[tuple[str, str, Callable[..., Any] | None]]:
    """Every (method, path, endpoint) the app answers (``HEAD`` left out; a mount is a
    ``GET``), from its routes as FastAPI resolves them."""
    from fastapi.routing import iter_route_contexts
    from starlette.routing import Mount

    out: list[tuple[str, str, Callable[..., Any] | None]] = []
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, Mount):
            out.append(("GET", str(route.path), None))
            continue
        for method in sorted((route.methods or set()) - {"HEAD"}):
            out.append((method, str(route.path), route.endpoint))
    return out


class PasswordChangeRequired(PermissionDenied):
    """The user logged in with a temporary password and has not changed it yet."""


class PolicyError(RuntimeError):
    """The app and :data:`POLICY` do not list the same routes."""


def bind(app: FastAPI) -> dict[tuple[Any, str], Rule]:
    """(endpoint, method) → rule for every route of ``app``; :class:`PolicyError` when a route
    has no rule. (A rule with no route — the studio's, in an installation without it — is
    harmless; the access-matrix test refuses it in the full app.)"""
    found = routes_of(app)
    missing = sorted({(m, p) for m, p, _ in found} - POLICY.keys())
    if missing:
        raise PolicyError(
            "lexradar.web.policy.POLICY has no rule for "
            + ", ".join(f"{m} {p}" for m, p in missing)
            + ": decide who may call it there"
        )
    return {(endpoint, m): POLICY[(m, p)] for m, p, endpoint in found if endpoint is not None}


def rule_of(request: Request) -> Rule | None:
    bound: dict[tuple[Any, str], Rule] = getattr(request.app.state, "policy", {})
    method = "GET" if request.method == "HEAD" else request.method
    return bound.get((request.scope.get("endpoint"), method))


def enforce(request: Request) -> None:
    """The route's rule, before anything else: a session for a rule with roles, a role it
    lists (else 401 / the login page, or 403), and no temporary password still to change
    unless the rule is open to one (:class:`PasswordChangeRequired`)."""
    from lexradar.clues.access import User
    from lexradar.web.deps import LoginRequired
    from lexradar.web.session import USER

    rule = rule_of(request)
    if rule is None:
        raise PermissionDenied(f"no access rule for {request.method} {request.url.path}")
    if rule.roles is None:
        return
    user = request.scope.get(USER)
    if not isinstance(user, User):
        raise LoginRequired()
    if user.role not in rule.roles:
        raise PermissionDenied(
            f"{user.username} ({user.role}) may not do this; needs {', '.join(sorted(rule.roles))}"
        )
    if user.must_change_password and not rule.temporary:
        raise PasswordChangeRequired(
            f"{user.username} must change the temporary password first (/account/password)"
        )


def markdown(rules: Iterable[tuple[tuple[str, str], Rule]] | None = None) -> str:
    """The policy as a Markdown table (docs/web.md)."""
    short = {"admin": "A", "model_builder": "B", "handler": "H", "leader": "L"}
    lines = [
        "| route | what | A | B | H | L | region-scoped | personal data |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for (method, path), rule in rules if rules is not None else POLICY.items():
        cells = [
            "anyone" if rule.roles is None else ("✓" if role in rule.roles else "—")
            for role in short
        ]
        if rule.roles is None:
            cells = ["anyone", "", "", ""]
        data = "unmasked (reveal)" if rule.reveals else "masked" if rule.personal else ""
        lines.append(
            f"| `{method} {path}` | {rule.what} | {' | '.join(cells)} | {rule.scope or ''} | "
            f"{data} |"
        )
    return "\n".join(lines)
