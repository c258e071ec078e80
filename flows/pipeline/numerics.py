"""One BLAS thread for every figure this process computes: what makes a run byte-identical wherever it runs.

A threaded BLAS splits a matrix product, a dot product or a LAPACK factorisation across threads
and adds the partial results in another order than one thread does, so the last bits of a
result depend on the number of threads. A Dask worker starts with one BLAS thread
(``distributed``'s nanny sets ``OPENBLAS_NUM_THREADS=1``); a city run alone in a plain process
gets as many as the machine has cores. Without a pin, the same delivery gave different bytes in
the linked estimates, the determinants and the Rao-Scott tests (issue 19).

:func:`single_blas_thread` therefore sets **every** BLAS and OpenMP library loaded in the process
to one thread for the whole run (numpy's OpenBLAS and scipy's own copy: scipy.linalg is loaded
first, so that a later lazy import cannot bring a library that the pin missed), and sets the
environment variables so that a process the run starts inherits it. The pin is reference
counted: concurrent runs in one process (a Dask worker with several threads, the rounds' tasks)
share it, and the process's own setting is restored when the last run leaves.

What it guarantees: on one machine (one CPU type, hence one OpenBLAS kernel and one numpy SIMD
dispatch) and one set of installed wheels, a delivery gives byte-identical outputs in any
process, Dask worker or thread count. What it cannot: a different CPU family picks other
OpenBLAS kernels and other numpy SIMD loops (``exp``, ``log``, reductions), which round the last
bit differently; then figures agree to about 1e-13 absolute, not byte for byte
(:func:`numeric_environment` names what the run used, so two machines' outputs can be compared).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

__all__ = ["single_blas_thread", "numeric_environment", "THREAD_VARIABLES"]

#: Environment variables read by the BLAS / OpenMP libraries when a process starts.
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")

_lock = threading.Lock()
_depth = 0
_limits = None
_saved_env: dict[str, str | None] = {}


def _load_blas_libraries() -> None:
    # numpy and scipy each ship their own OpenBLAS; threadpoolctl pins only what is loaded
    import numpy  # noqa: F401
    import scipy.linalg  # noqa: F401
    import scipy.sparse.linalg  # noqa: F401


@contextlib.contextmanager
def single_blas_thread() -> Iterator[None]:
    """Run the enclosed block with one thread in every BLAS / OpenMP library of the process.

    Re-entrant and safe across threads: the first entrant pins, the last to leave restores.
    """
    global _depth, _limits
    from threadpoolctl import threadpool_limits   # after _load_blas_libraries: it pins what is loaded

    with _lock:
        if _depth == 0:
            _load_blas_libraries()
            _saved_env.clear()
            for var in THREAD_VARIABLES:
                _saved_env[var] = os.environ.get(var)
                os.environ[var] = "1"
            _limits = threadpool_limits(limits=1)   # every user_api: blas and openmp
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                _limits.restore_original_limits()
                _limits = None
                for var, value in _saved_env.items():
                    if value is None:
                        os.environ.pop(var, None)
                    else:
                        os.environ[var] = value


def numeric_environment() -> dict:
    """What decides the last bits of the figures: numpy's version and SIMD dispatch, and each
    loaded BLAS library's version, kernel (``architecture``) and thread count."""
    # imported when called, as the other functions here: importing this module loads no BLAS
    import numpy as np
    from threadpoolctl import threadpool_info

    _load_blas_libraries()
    simd = np.show_config(mode="dicts").get("SIMD Extensions", {})
    return {
        "numpy": np.__version__,
        "simd": list(simd.get("baseline", [])) + list(simd.get("found", [])),
        "blas": [{"library": i.get("prefix"), "version": i.get("version"), "kernel": i.get("architecture"),
                  "threads": i.get("num_threads")} for i in threadpool_info()],
    }
