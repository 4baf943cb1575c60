"""The casebook's tables (SQLAlchemy Core), shared by the migrations, the store and the tests.

Times are UTC. A clue's ``version`` is its optimistic lock: every workflow change bumps it and
states the version it read; loaders refresh only the columns they own (``last_seen``,
``times_seen``, ``run_id``) and so never race a handler's change.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

ROLES = ("admin", "model_builder", "handler", "leader")
DOMAINS = ("criminal", "civil", "administrative", "public_interest")

procuratorates = sa.Table(
    "procuratorates",
    metadata,
    sa.Column("code", sa.String(6), primary_key=True, comment="GB/T 2260 code of its region"),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("level", sa.String(10), nullable=False),
    sa.Column("parent_code", sa.String(6), sa.ForeignKey("procuratorates.code"), nullable=True),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column(
        "procuratorate_code",
        sa.String(6),
        sa.ForeignKey("procuratorates.code"),
        nullable=False,
    ),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", sa.DateTime, nullable=False),
    # migration 0006: user management (lexradar.clues.users)
    sa.Column(
        "must_change_password",
        sa.Boolean,
        nullable=False,
        server_default=sa.false(),
        comment="a temporary password: changed at the next login before anything else",
    ),
    sa.Column("password_changed_at", sa.DateTime, nullable=True),
    sa.Column(
        "version",
        sa.Integer,
        nullable=False,
        server_default="0",
        comment="optimistic lock: every change of the user bumps it",
    ),
    sa.CheckConstraint(f"role IN {ROLES!r}", name="ck_users_role"),
)

model_runs = sa.Table(
    "model_runs",
    metadata,
    sa.Column("run_id", sa.String(32), primary_key=True),
    sa.Column("model_id", sa.String(100), nullable=False),
    sa.Column("model_version", sa.Integer, nullable=False),
    sa.Column("parameters", sa.Text, nullable=False, server_default="{}"),
    sa.Column("engine", sa.String(20), nullable=False, server_default=""),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("clues", sa.Integer, nullable=False),
    sa.Column("seconds", sa.Float, nullable=True),
    sa.Column("loaded_at", sa.DateTime, nullable=False),
)

clues = sa.Table(
    "clues",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
    sa.Column("model_id", sa.String(100), nullable=False),
    sa.Column("model_version", sa.Integer, nullable=False),
    sa.Column("domain", sa.String(20), nullable=False),
    sa.Column("region_code", sa.String(6), nullable=False),
    sa.Column(
        "procuratorate_code",
        sa.String(6),
        sa.ForeignKey("procuratorates.code"),
        nullable=False,
    ),
    sa.Column("severity", sa.String(10), nullable=False),
    sa.Column("person_ids", sa.Text, nullable=False),
    sa.Column("record_refs", sa.Text, nullable=False),
    sa.Column("explanation", sa.Text, nullable=False),
    sa.Column("explanation_en", sa.Text, nullable=False),
    sa.Column("evidence", sa.Text, nullable=False),
    sa.Column("evidence_hash", sa.String(64), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("dismiss_reason", sa.String(30), nullable=True),
    sa.Column("assignee_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("first_seen", sa.DateTime, nullable=False),
    sa.Column("first_month", sa.String(7), nullable=False, comment="YYYY-MM of first_seen"),
    sa.Column("last_seen", sa.DateTime, nullable=False),
    sa.Column("times_seen", sa.Integer, nullable=False),
    sa.Column("run_id", sa.String(32), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
sa.Index("ix_clues_scope_status", clues.c.procuratorate_code, clues.c.status)
sa.Index("ix_clues_month_model", clues.c.first_month, clues.c.model_id, clues.c.procuratorate_code)
# the clue queue (migration 0003): a model and/or a status, sorted by severity or id, in scope
sa.Index(
    "ix_clues_model_status_severity",
    clues.c.model_id,
    clues.c.status,
    clues.c.severity,
    clues.c.procuratorate_code,
)
sa.Index("ix_clues_status_severity", clues.c.status, clues.c.severity, clues.c.procuratorate_code)

STATES = ("new", "assigned", "verifying", "confirmed", "supervised", "closed", "dismissed")

clue_tallies = sa.Table(
    "clue_tallies",
    metadata,
    sa.Column("first_month", sa.String(7), primary_key=True),
    sa.Column("model_id", sa.String(100), primary_key=True),
    sa.Column("domain", sa.String(20), primary_key=True),
    sa.Column("procuratorate_code", sa.String(6), primary_key=True),
    *(sa.Column(state, sa.Integer, nullable=False, server_default="0") for state in STATES),
    comment="clues per month first seen, model, domain and procuratorate, by state (tally.py)",
)

clue_events = sa.Table(
    "clue_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("clue_id", sa.Integer, sa.ForeignKey("clues.id"), nullable=False, index=True),
    sa.Column("from_status", sa.String(20), nullable=True),
    sa.Column("to_status", sa.String(20), nullable=True, comment="empty for a note"),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("reason", sa.String(30), nullable=True),
    sa.Column("note", sa.Text, nullable=False, server_default=""),
)

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("domain", sa.String(20), nullable=False),
    sa.Column(
        "procuratorate_code",
        sa.String(6),
        sa.ForeignKey("procuratorates.code"),
        nullable=False,
    ),
    sa.Column("title", sa.Text, nullable=False, server_default=""),
    sa.Column("opened_on", sa.Date, nullable=False),
    sa.Column("opened_month", sa.String(7), nullable=False),
    sa.Column("closed_on", sa.Date, nullable=True),
    sa.Column("outcome", sa.String(40), nullable=True),
    sa.Column("funds_recovered", sa.Numeric(16, 2), nullable=False, server_default="0"),
    sa.Column("model_id", sa.String(100), nullable=True, comment="model of its first clue"),
    sa.Column("opened_by", sa.String(64), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)
sa.Index("ix_cases_month", cases.c.opened_month, cases.c.procuratorate_code)

case_clues = sa.Table(
    "case_clues",
    metadata,
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), primary_key=True),
    sa.Column("clue_id", sa.Integer, sa.ForeignKey("clues.id"), primary_key=True),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("at", sa.String(32), nullable=False, comment="ISO-8601 UTC, as hashed"),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("subject", sa.String(100), nullable=False),
    sa.Column("detail", sa.Text, nullable=False, comment="canonical JSON, as hashed"),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    # migration 0004: how the entry is signed (audit.py)
    sa.Column(
        "alg",
        sa.String(16),
        nullable=False,
        server_default="sha256",
        comment="hmac-sha256 (keyed); sha256 for entries from before 0004",
    ),
    sa.Column("key_id", sa.String(16), nullable=True, comment="id of the key that signed it"),
    sa.Column("anchor", sa.Integer, nullable=True, comment="newest checkpoint when appended"),
)

sessions = sa.Table(
    "sessions",
    metadata,
    # migration 0005: server-side sessions of the workbench (lexradar.clues.sessions)
    sa.Column("id_hash", sa.String(64), primary_key=True, comment="keyed hash of the cookie's id"),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True, index=True),
    sa.Column("data", sa.Text, nullable=False, server_default="{}", comment="CSRF token, language"),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_seen", sa.DateTime, nullable=False, index=True),
    sa.Column("expires_at", sa.DateTime, nullable=False, comment="absolute end of the session"),
    comment="workbench sessions: the cookie carries only a random id; logout deletes the row",
)

clue_terms = sa.Table(
    "clue_terms",
    metadata,
    # migration 0007: the clue search index (lexradar.clues.terms)
    sa.Column("term", sa.String(32), primary_key=True, comment="keyed hash of kind:normal form"),
    sa.Column("clue_id", sa.Integer, sa.ForeignKey("clues.id"), primary_key=True),
    comment="what each clue cites (IDs, names, case and certificate numbers), as keyed hashes",
)
sa.Index("ix_clue_terms_clue_id", clue_terms.c.clue_id)

saved_filters = sa.Table(
    "saved_filters",
    metadata,
    # migration 0007: a user's named queue filters (lexradar.clues.saved)
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
    sa.Column("name", sa.String(60), nullable=False),
    sa.Column(
        "filters", sa.Text, nullable=False, comment="JSON of the queue's filters (no search term)"
    ),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("user_id", "name", name="uq_saved_filters_user_name"),
)
