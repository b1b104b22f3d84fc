"""The domain behind Dossier's slash commands, with no Discord import.

Cogs parse arguments, call these async functions with the server's `guild_id`, and reply
with what they return (plain dataclasses) or with `str(ServiceError)`:

- `bot.service.browse`: topics, claims, history, recent updates, search, feed health, why
- `bot.service.admin`: edits of topics, claims, feeds, channels and thresholds; audit log
- `bot.service.review`: the queue of proposed changes and decisions on them
- `bot.service.install`: setting a server up from feeds.yaml
- `bot.service.export`: a topic's dossier as Markdown, CSV or JSON (`/export`, `dossier export`)
- `bot.service.opml`: feeds in and out as OPML (`/admin feed import|export`, `dossier feeds`)
- `bot.service.discover`: the feeds a web page declares (`/admin feed add` with a site address)
- `bot.service.alerts`: opt-in role mentions (`/admin notify`)
- `bot.service.health`: `dossier health` and `/admin status`

Every function only sees and changes the rows of the `guild_id` it is given.
"""

from bot.service.errors import ConflictError, InvalidInputError, NotFoundError, ServiceError

__all__ = ["ConflictError", "InvalidInputError", "NotFoundError", "ServiceError"]
