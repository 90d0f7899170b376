"""The SimPy world, pure: people, incidents, protocols, and the parts of ``World``.

Importing a module of the package imports only what that module needs (the run report, the
pilot and the results-folder readers read the event records without loading the simulator);
``catalogue`` imports every module that declares mechanisms.
"""
