"""The node's own server-rendered pages (aiohttp-jinja2), for what no Mastodon app shows."""
