"""``python -m incsim`` runs the command line, like the ``incsim`` console script."""

from incsim.entry import main

main()
