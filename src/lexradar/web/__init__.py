"""The web workbench: a FastAPI application of server-rendered pages and a JSON API.

``create_app`` (in :mod:`lexradar.web.app`) builds it; ``lexradar serve`` runs it. Pages are
Jinja2 templates with HTMX partials; the JSON API lives under ``/api``. Every page and endpoint
calls the casebook's functions (:mod:`lexradar.clues`, :mod:`lexradar.reports.stats`) with the
logged-in user, so scoping, masking, audit and state rules stay where they are defined.
"""
