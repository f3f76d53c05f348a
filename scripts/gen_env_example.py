"""Regenerate .env.example from Settings, section by section: every setting with its default.

python scripts/gen_env_example.py
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from scanner_core.config import SECTIONS, Settings, env_name


def render() -> str:
    lines = ["# polyscan settings. Every variable is optional; the value shown is the default."]
    defaults = Settings.model_construct()
    for section in SECTIONS:
        title = "--- " + " ".join((section.__doc__ or section.__name__).split())
        lines += ["", *(f"# {part}" for part in textwrap.wrap(title, 98))]
        lines += [_line(name, getattr(defaults, name, field.default)) for name, field in section.model_fields.items()]
    return "\n".join(lines) + "\n"


def _line(name: str, value: object) -> str:
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = str(value).lower()
    elif isinstance(value, list):
        text = ",".join(str(v) for v in value)
    elif isinstance(value, dict):
        text = ",".join(f"{k}={v}" for k, v in value.items())
    else:
        text = str(value)
    return f"# {env_name(name)}={text}"


if __name__ == "__main__":
    Path(__file__).resolve().parents[1].joinpath(".env.example").write_text(render())
