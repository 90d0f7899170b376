"""The SimPy world, pure: people, incidents, protocols, and the parts of ``World``.

Importing the package (as importing any module of it does) imports every module that declares
mechanisms, so that ``mechanisms.all_mechanisms`` has them all: each module records its own
when imported (``mechanisms.declare``), and the list below sets the order they are described
in. The parts of the world import each other only for their types; ``world`` builds them.
"""

# isort: off
from incsim.model import (  # noqa: F401 (imported for their declarations, in this order)
    incidents,
    people,
    protocols,
    staffing,
    lifecycle,
    rooms,
    communication,
    participation,
    world,
)
# isort: on
