"""Crisis Drill: rehearse a social-media crisis.

Packages point one way: ``simulator.web`` -> ``simulator.store`` -> ``simulator.engine`` -> ``scoring``.
"""

__version__ = "0.1.0"
