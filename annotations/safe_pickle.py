"""Load annotation pickles without running arbitrary code.

``pickle.load`` calls whatever global a file names (``os.system`` included). The UCF101-24
``pyannot*.pkl`` files only need numpy's array / scalar / dtype reconstruction, so the unpickler
here admits exactly those globals and refuses every other one with an :class:`InputError`.
"""
from __future__ import annotations

import os
import pickle

from annotations.errors import InputError, require_file

#: (module, name) pairs needed to rebuild numpy arrays and scalars, under numpy 1.x and 2.x
#: module names. Found by listing the GLOBAL opcodes of the real ``pyannot*.pkl`` files (protocol 3)
#: and of the pickles numpy 2 writes (``write_pyannot`` uses protocol 3). No builtins are needed.
NUMPY_GLOBALS = frozenset({
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    # Python 3 pickles at protocol 2 (a common "Python 2 compatible" re-save) store the bytes of
    # numpy data as _codecs.encode(text, 'latin1'); it only converts text to bytes.
    ("_codecs", "encode"),
})


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, file, path: str, allowed: frozenset, **kwargs):
        super().__init__(file, **kwargs)
        self._path = path
        self._allowed = allowed

    def find_class(self, module: str, name: str):
        if (module, name) not in self._allowed:
            raise InputError(self._path, None,
                             f"pickle asks for {module}.{name}, which is not allowed "
                             f"(only numpy array/scalar reconstruction is; refusing to run it)")
        return super().find_class(module, name)

    def persistent_load(self, pid):
        raise InputError(self._path, None, "pickle uses persistent ids, which are not allowed")


def safe_load_pickle(path: str | os.PathLike, allowed: frozenset | set | None = None, encoding: str = "latin1"):
    """Unpickle ``path`` admitting only the ``allowed`` (module, name) globals (default: numpy arrays).

    ``encoding='latin1'`` reads Python 2 pickles (and numpy data inside them) correctly.
    """
    p = require_file(path, "pickle file")
    allowed = NUMPY_GLOBALS if allowed is None else frozenset(allowed)
    with open(p, "rb") as f:
        try:
            return _RestrictedUnpickler(f, p, allowed, encoding=encoding).load()
        except InputError:
            raise
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError,
                KeyError, ImportError, UnicodeDecodeError, MemoryError) as e:
            raise InputError(p, None, f"not a readable pickle ({type(e).__name__}: {e})") from None


__all__ = ["NUMPY_GLOBALS", "safe_load_pickle"]
