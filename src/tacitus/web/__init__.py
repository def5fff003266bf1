"""The web UI: server-rendered pages (Jinja2) over the store, mounted on the HTTP API's app.

    create_app(db_path, ui=mount_ui)     # tacitus.api; `tacitus serve` does this

Pages: `/` (filters, a map of events, a timeline of counts by type, the event table), `/events/ID`
(one event, its mentions and each evidence sentence marked in the article text), `/documents`,
`/documents/ID`, `/actors`, `/actors/KEY` (who it acts on and who acts on it, over time). Every
asset is served from `/assets/`; nothing is fetched from elsewhere, at run time or at set-up.
"""

from tacitus.web.routes import mount_ui

__all__ = ["mount_ui"]
