"""``literacy config``: the resolved config as YAML and the configs' JSON Schemas (no Prefect)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import yaml

from literacy.settings import json_schema
from literacy.settings.province import ProvinceConfig
from literacy_flows.ingest import io as fio

__all__ = ["config_schema_text", "resolved_config_text"]


def config_schema_text(province: bool = False) -> str:
    """The JSON Schema of an assessment config (or of a province config), as JSON text.

    Parameters
    ----------
    province : bool
        The province config's schema instead.

    Returns
    -------
    str
        Indented JSON, non-ASCII kept, ending with a newline.
    """
    schema = json_schema() if not province else {
        "$schema": "https://json-schema.org/draft/2020-12/schema", "title": "literacy province config",
        **ProvinceConfig.model_json_schema(by_alias=True, mode="validation")}
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def resolved_config_text(path: str | os.PathLike) -> tuple[Path, str]:
    """A config with every section and key, each default filled, as YAML.

    Parameters
    ----------
    path : path
        The config.

    Returns
    -------
    path : Path
        The config file read.
    text : str
        The resolved config (YAML, non-ASCII kept, keys in the config's order).

    Raises
    ------
    LiteracyError
        The file is missing, not YAML, or not a valid config (one line naming the key).
    """
    cfg_path, _, _, config = fio.read_config(path)
    resolved = json.loads(json.dumps(config, ensure_ascii=False))   # tuples as lists
    return cfg_path, yaml.safe_dump(resolved, allow_unicode=True, sort_keys=False, width=100)
