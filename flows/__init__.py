"""literacy_flows: file I/O, the Prefect assessment flow, the report and the ``literacy`` command line.

The computation lives in the ``literacy`` package (no I/O there); this package is three rooms
and the command line:

``literacy_flows.ingest``
    Reading a delivery (every format), screening and checking it, the ingest cache, the
    config loader and atomic writing of every output file.
``literacy_flows.pipeline``
    The Prefect flows and their tasks (``literacy_flows.pipeline.assessment``, the province
    roll-up), thin: each task calls the ``literacy`` package and writes its tables.
``literacy_flows.report``
    What a reader gets: the Excel workbook, the evaluation report (Word, PDF) and its
    figures, the reviewer notebooks.
``literacy_flows.cli``
    The ``literacy`` command: argument parsing and dispatch to the rooms.
"""

from pathlib import Path

#: The repository checkout this package runs from (flows/ sits at its root, beside config/ and
#: notebooks/): the one place the flows find the project's own folders.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

