"""The Prefect flows and their tasks: the assessment of one city and the province roll-up.

Importing this package imports no Prefect; its modules do (``literacy_flows.pipeline.prefect_env``
and the modules without a task excepted).
"""
