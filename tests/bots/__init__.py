"""Tests of both bots: routing, presentation, renderers, command service, delivery, end to end."""
