"""polyscan's engine: sources, normalisation, detection, scoring, routing. Imports no chat SDK."""

__version__ = "0.1.0"
