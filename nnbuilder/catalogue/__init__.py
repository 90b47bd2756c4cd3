"""What nnbuilder knows about torch and torchvision before any layer exists.

The torchvision backbone catalogue (:mod:`.models`), block names and freezing (:mod:`.freezing`),
the JSON encoding of imported operations' literals (:mod:`.literals`) and shipped-weights names
(:mod:`.resources`).  The layer specs read it, so it sits below :mod:`nnbuilder.layers` and imports
nothing else of nnbuilder's (an import-linter contract in pyproject.toml says so); torchvision is
imported only inside the functions that need it.
"""
