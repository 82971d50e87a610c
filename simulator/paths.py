"""Where the data directories are: a source checkout, or ``<prefix>/share/crisisdrill`` for a wheel.

``scenarios/``, ``templates/`` and ``static/`` live at the top of the repository. A wheel installs them
under ``<prefix>/share/crisisdrill`` (``data_files`` in setup.cfg). ``CRISISDRILL_DATA`` overrides both.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent


def is_checkout() -> bool:
    """True when running from a source checkout (editable install or plain clone)."""
    return (CHECKOUT / "setup.cfg").is_file() and (CHECKOUT / "scenarios").is_dir()


def data_root() -> Path:
    """The folder that holds ``scenarios/``, ``templates/`` and ``static/``."""
    override = os.environ.get("CRISISDRILL_DATA")
    if override:
        return Path(override)
    if is_checkout():
        return CHECKOUT
    installed = Path(sys.prefix) / "share" / "crisisdrill"
    if installed.is_dir():
        return installed
    raise RuntimeError(
        "cannot find the Crisis Drill data folders (scenarios, templates, static): "
        f"looked in {CHECKOUT} and {installed}; set CRISISDRILL_DATA"
    )


def scenarios_dir() -> Path:
    return Path(os.environ.get("CRISISDRILL_SCENARIOS") or data_root() / "scenarios")


def templates_dir() -> Path:
    return data_root() / "templates"


def static_dir() -> Path:
    return data_root() / "static"


def default_instance_dir() -> Path:
    """``instance/`` in a checkout; ``<prefix>/var/crisisdrill-instance`` for an installed wheel
    (Flask's convention); ``CRISISDRILL_INSTANCE`` overrides both."""
    override = os.environ.get("CRISISDRILL_INSTANCE")
    if override:
        return Path(override)
    if is_checkout():
        return CHECKOUT / "instance"
    return Path(sys.prefix) / "var" / "crisisdrill-instance"
