"""``folioscope lab``: run a scenario on a real Linux kernel under QEMU and
hold the model against it, step by step (klitmus7 for folioscope).

Layers: routes (DSL -> system calls) and variant_match are pure; debian,
agent_build and qemu do the I/O; observe and compare turn the agent's output
into the model's terms; report renders.  Nothing here imports Textual.
"""

from .errors import LabFailed, LabMissing
from .routes import NoRoute
from .session import LabOptions, run_lab

__all__ = ["LabFailed", "LabMissing", "LabOptions", "NoRoute", "run_lab"]
