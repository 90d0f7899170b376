"""Every module of the model that declares mechanisms, imported: import this module before
asking ``mechanisms.all_mechanisms`` for all of them (the report's model description,
``scripts/describe_model.py``). Each module records its own declarations when imported
(``mechanisms.declare``); ``mechanisms.DESCRIBED_IN`` sets the order they are described in.
"""

from incsim.model import (  # noqa: F401 (imported for their declarations)
    communication,
    incidents,
    lifecycle,
    participation,
    people,
    protocols,
    rooms,
    staffing,
    world,
)
