"""Dossier on Discord: the client, its cogs, and the sender that drains the outbox."""

import discord

# Feed text is untrusted: nothing the bot sends may ping anyone unless a message names the
# one role an admin opted in (sender.py). Every send passes this explicitly, on top of the
# client's own default, so a reply built elsewhere cannot bring mentions back.
NO_MENTIONS = discord.AllowedMentions.none()
