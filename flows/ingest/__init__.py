"""Reading a delivery: the file readers, the delivery checks, the ingest cache and file I/O.

``readers`` (every format a delivery comes in), ``delivery`` (identifiers dropped, rows
screened, schemas checked), ``cache`` (the ingest task's content-keyed store), ``io`` (the
config loader, the typed table readers and atomic, byte-stable writers), ``estimate_file``
(the survey file of ``literacy estimate``). No Prefect is imported here.
"""
