"""literacy_flows: file I/O, the Prefect assessment flow, the report and the ``literacy`` command line.

The computation lives in the ``literacy`` package (no I/O there); this package reads a
delivery, runs the flow (``literacy_flows.assessment``) and writes the output tables.
"""
