__version__ = "0.1.0"

_API = ("load_model", "load_run", "train")


def __getattr__(name: str):  # the Python API loads torch only when used: the app and CLI start fast
    if name in _API:
        from nnbuilder import api

        return getattr(api, name)
    raise AttributeError(f"module 'nnbuilder' has no attribute {name!r}")
