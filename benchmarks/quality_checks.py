"""Recall and false-flag rate of the fieldwork-quality checks on the default simulated delivery
(config/wuhai.yaml, its seed; issue 26). Prints a markdown table per round; the README quotes it.

    .venv/bin/python benchmarks/quality_checks.py
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from literacy.domains import add_derived
from literacy.quality.round_quality import interview_flags, interviewers_table
from literacy.quality.truth import planted_recall
from literacy.scoring import score_responses
from literacy.settings import parse_config, resolved_config
from literacy.simulation import simulate_programme

CONFIG = Path(__file__).resolve().parents[1] / "config" / "wuhai.yaml"


def main() -> None:
    config = resolved_config(parse_config(yaml.safe_load(CONFIG.read_text(encoding="utf-8"))))
    programme = simulate_programme(config)
    for rid, rd in programme.rounds.items():
        form = programme.instruments[rid]
        flags = interview_flags(rd.responses, form, config)
        items = form["item_id"].astype(str).tolist()
        scored = add_derived(pd.concat([rd.responses.drop(columns=items),
                                        score_responses(rd.responses, form, config["scoring"])], axis=1), config)
        table = planted_recall(flags, rd.fieldwork_truth, interviewers_table(scored, flags, config, rid))
        print(f"\nround {rid} ({len(rd.responses)} interviews)\n")
        print("| " + " | ".join(table.columns) + " |")
        print("|" + "---|" * len(table.columns))
        for row in table.itertuples(index=False):
            print("| " + " | ".join(f"{v:.2%}" if isinstance(v, float) else str(v) for v in row) + " |")


if __name__ == "__main__":
    main()
