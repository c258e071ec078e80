"""A small, valid delivery built by hand, for the ingest tests (readers, quarantine, privacy).

One round ("2025") is enough for ``literacy validate``: the config's rounds are both
written (2020 and 2025, the same tables), 100 respondents and 20 nonrespondents each, a
five-item instrument whose points add up to the config's parts, and margins that pass
their schema. Everything is deterministic (numpy Generator with a fixed seed).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

CONFIG = Path(__file__).resolve().parents[1] / "config" / "wuhai.yaml"

INSTRUMENT = pd.DataFrame({
    "item_id": ["Q01", "Q02", "Q03", "Q04", "Q05"],
    "part": ["knowledge", "knowledge", "methods", "spirit", "application"],
    "points": [20, 20, 20, 20, 20],
    "item_type": ["true_false", "single_choice", "single_choice", "true_false", "single_choice"],
    "correct": [1, 3, 2, 2, 4],
    "valid_codes": ["1;2", "1;2;3;4", "1;2;3;4", "1;2", "1;2;3;4"],
    "dont_know_code": [8, 8, 8, 8, 8],
    "text_zh": ["甲", "乙", "丙", "丁", "戊"],
    "text_en": ["A", "B", "C", "D", "E"],
})
ITEMS = INSTRUMENT["item_id"].tolist()
DISTRICTS = ["haibowan", "hainan", "wuda"]
EDUCATION = ["primary_or_less", "junior_high", "senior_high", "junior_college", "bachelor_plus"]
OCCUPATION = ["farmer_herder", "industrial_worker", "civil_servant_cadre", "professional", "commerce_service",
              "student", "not_working", "other"]
N_RESPONDENTS, N_SAMPLE = 100, 120


def tables(seed: int = 11) -> dict[str, pd.DataFrame]:
    """The tables of one round: responses, sample, margins (all columns as text)."""
    rng = np.random.default_rng(seed)
    n = N_SAMPLE
    district = np.array(DISTRICTS)[np.arange(n) % 3]
    residence = np.where(np.arange(n) % 10 == 9, "rural", "urban")
    stratum = np.char.add(np.char.add(district, "-"), residence)
    psu = np.char.add(np.char.add(stratum, "-P"), (np.arange(n) // 3 % 2 + 1).astype(str))
    sample = pd.DataFrame({
        "respondent_id": [f"R{i:04d}" for i in range(1, n + 1)],
        "district": district, "residence": residence, "stratum": stratum, "psu": psu,
        "selection_prob": np.round(0.004 + 0.001 * (np.arange(n) % 5), 6).astype(str),
        "sex": np.where(np.arange(n) % 2 == 0, "male", "female"),
        "age": (18 + (np.arange(n) * 7) % 52).astype(str),
        "responded": np.where(np.arange(n) < N_RESPONDENTS, "1", "0"),
    })
    resp = sample.iloc[:N_RESPONDENTS].drop(columns="responded").reset_index(drop=True)
    resp["education"] = np.array(EDUCATION)[np.arange(N_RESPONDENTS) % 5]
    resp["occupation"] = np.array(OCCUPATION)[np.arange(N_RESPONDENTS) % 8]
    for item, valid in zip(ITEMS, INSTRUMENT["valid_codes"]):
        codes = [int(c) for c in valid.split(";")] + [8]
        values = rng.choice(codes, size=N_RESPONDENTS).astype(object).astype(str)
        values[rng.random(N_RESPONDENTS) < 0.05] = ""   # skipped
        resp[item] = values
    rows = []
    for d in DISTRICTS:
        for s in ("male", "female"):
            rows.append({"dimension": "district+sex", "district": d, "residence": "", "sex": s, "age_band": "",
                         "education": "", "occupation": "", "population": "1000", "source": "illustrative"})
    margins = pd.DataFrame(rows)
    return {"responses": resp, "sample": sample, "margins": margins}


def write_csv(df: pd.DataFrame, path: Path, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(df.to_csv(index=False, lineterminator="\n").encode(encoding))
    return path


def make_delivery(folder: Path, rounds=("2020", "2025")) -> Path:
    """Write the small delivery under ``folder`` (instrument and every round)."""
    folder = Path(folder)
    write_csv(INSTRUMENT, folder / "instrument.csv")
    for i, rid in enumerate(rounds):
        for name, df in tables(seed=11 + i).items():
            write_csv(df, folder / rid / f"{name}.csv")
    return folder


def read(folder: Path, rid: str, name: str) -> pd.DataFrame:
    """A delivery CSV as text (for mutating)."""
    return pd.read_csv(Path(folder) / rid / f"{name}.csv", dtype=str, keep_default_na=False)


def line_of(position: int) -> int:
    """The CSV file line of a 0-based row position (the header is line 1)."""
    return position + 2
