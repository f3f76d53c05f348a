"""View -> platform markup: Discord embeds and components, Telegram HTML and inline keyboards."""
