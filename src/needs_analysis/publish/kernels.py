"""A papermill engine that runs many notebooks, one after another, in one live kernel.

Starting a kernel and importing pandas, plotly and this package takes seconds, and a run
executes one notebook per 圏域. Each worker process therefore keeps one kernel and papermill
executes its notebooks in it through the engine registered here as ``ENGINE_NAME``.
Before each notebook the kernel is put back to how a fresh one looks to the notebook: the
user namespace is emptied (IPython's ``%reset -f``), the working directory and the warning
filters are restored and the execution counter starts again at 1. Imported modules stay
loaded; that is the point. A kernel that died is replaced by a fresh one.
"""

from __future__ import annotations

import os
import warnings
from multiprocessing import util

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger
from papermill.utils import merge_kwargs, remove_args

ENGINE_NAME = "needs-analysis-reused-kernel"
# The warning filters of the kernel before any notebook ran; restored before each one so
# that a notebook sees the warnings a fresh kernel would show it.
_FRESH_FILTERS: list | None = None


def reset_namespace(cwd: str) -> None:
    """Inside the kernel: make it look fresh to the next notebook (see the module text)."""
    global _FRESH_FILTERS
    from IPython import get_ipython

    shell = get_ipython()
    # What ``%reset -f`` does; a new history session also sets the counter back to 1.
    shell.reset(new_session=True)
    os.chdir(cwd)
    if _FRESH_FILTERS is None:
        _FRESH_FILTERS = list(warnings.filters)
    # resetwarnings() also forgets which warnings were already shown ("once" registries).
    warnings.resetwarnings()
    warnings.filters[:] = _FRESH_FILTERS


# Run silently (no execution count, no history, nothing left in the namespace).
_RESET_CODE = (
    "__import__('needs_analysis.publish.kernels', fromlist=['_']).reset_namespace({cwd!r})"
)


class ReusedKernel:
    """One kernel of this process, started on first use and kept for the next notebooks."""

    def __init__(self, kernel_name: str, startup_timeout: float):
        self.kernel_name = kernel_name
        self.startup_timeout = startup_timeout
        self._starter: PapermillNotebookClient | None = None

    @property
    def alive(self) -> bool:
        from jupyter_core.utils import ensure_async, run_sync

        starter = self._starter
        if starter is None or starter.km is None or not starter.km.has_kernel:
            return False

        async def is_alive() -> bool:
            return await ensure_async(starter.km.is_alive())

        return run_sync(is_alive)()

    def client_for(self, nb_man, **kwargs) -> PapermillNotebookClient:
        """A notebook client bound to the live kernel, which was first reset for it."""
        if not self.alive:
            self.shutdown()
            self._start()
        starter = self._starter
        assert starter is not None
        self._reset(starter, os.getcwd())
        client = PapermillNotebookClient(nb_man, km=starter.km, **kwargs)
        client.kc = starter.kc
        return client

    def _start(self) -> None:
        import nbformat

        # A client of an empty notebook starts the kernel the way nbclient does (its
        # in-memory history file included) and keeps the manager and the channels.
        starter = PapermillNotebookClient(
            _EmptyManager(nbformat.v4.new_notebook()),
            kernel_name=self.kernel_name,
            startup_timeout=self.startup_timeout,
            log=logger,
        )
        starter.km = starter.create_kernel_manager()
        starter.start_new_kernel(cwd=os.getcwd())
        starter.start_new_kernel_client()
        self._starter = starter

    @staticmethod
    def _reset(starter: PapermillNotebookClient, cwd: str) -> None:
        from jupyter_core.utils import run_sync

        reply = run_sync(starter.kc.execute_interactive)(
            _RESET_CODE.format(cwd=cwd),
            silent=True,
            store_history=False,
            allow_stdin=False,
            timeout=starter.startup_timeout,
            output_hook=lambda message: None,
        )
        content = reply["content"]
        if content["status"] != "ok":
            raise RuntimeError(
                f"kernel reset failed: {content.get('ename')}: {content.get('evalue')}"
            )

    def shutdown(self) -> None:
        starter, self._starter = self._starter, None
        if starter is not None and starter.km is not None:
            starter._cleanup_kernel()


class _EmptyManager:
    """The part of papermill's notebook manager that a client reads: the notebook."""

    def __init__(self, nb):
        self.nb = nb


_KERNELS: dict[str, ReusedKernel] = {}


def process_kernel(kernel_name: str, startup_timeout: float = 60) -> ReusedKernel:
    """This process's kernel of ``kernel_name``; shut down when the process ends."""
    kernel = _KERNELS.get(kernel_name)
    if kernel is None:
        kernel = _KERNELS[kernel_name] = ReusedKernel(kernel_name, startup_timeout)
        # Worker processes of a pool end without atexit; their finalizers still run.
        util.Finalize(kernel, kernel.shutdown, exitpriority=10)
    return kernel


def shutdown_kernels() -> None:
    """Stop this process's kernels (the next notebook starts a fresh one)."""
    for kernel in list(_KERNELS.values()):
        kernel.shutdown()


class ReusedKernelEngine(NBClientEngine):
    """papermill's nbclient engine, executing in this process's live kernel."""

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        **kwargs,
    ):
        kwargs = remove_args(["input_path"], **kwargs)
        safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
        final_kwargs = merge_kwargs(
            safe_kwargs,
            timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=logger,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        kernel = process_kernel(kernel_name, start_timeout)
        return kernel.client_for(nb_man, **final_kwargs).execute()


papermill_engines.register(ENGINE_NAME, ReusedKernelEngine)
