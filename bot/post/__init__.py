"""Posting updates: the console printer here, the Discord sender in bot.discord_bot."""
