"""The whole assessment config as one typed model, parsed once (:func:`parse_config`).

Every section and every nested mapping is a :class:`~literacy.settings.base.Section` that refuses
unknown keys; each default is written once, in the model. Defaults that follow from another
section (a seed from ``assessment.seed``, the modelled levels from ``scoring.headline``, the
small-area alpha from ``estimation.level``, the responses-sample match from ``design``) are
filled here, after the sections are read, so the resolved config has every value the code uses.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from literacy.settings.analysis import Analysis, Measurement, Planning, SmallArea
from literacy.settings.base import Columns, Section, parse
from literacy.settings.delivery import Ingest, Scorecard
from literacy.settings.estimation import Estimation, Reporting, Targets
from literacy.settings.quality import Quality
from literacy.settings.simulation import Simulation
from literacy.settings.survey import Assessment, Design, Group, Paths, Round, Scoring, Survey
from literacy.settings.weighting import Weighting

__all__ = ["AssessmentConfig", "parse_config", "resolved_config", "json_schema", "CONTRACT_COLUMNS"]

#: Columns of the data contract that ``ingest.identifiers`` may not drop.
CONTRACT_COLUMNS = ("district", "residence", "sex", "age", "education", "occupation", "responded")


class AssessmentConfig(Section):
    """An assessment config (``config/wuhai.yaml``): every section the assessment reads."""

    assessment: Assessment
    paths: Paths = Paths()
    rounds: list[Round] = Field(min_length=1)
    survey: Survey
    design: Design
    ingest: Ingest = Ingest()
    scoring: Scoring
    measurement: Measurement = Measurement()
    groups: list[Group]
    breakdowns: list[Columns]
    weighting: Weighting
    estimation: Estimation = Estimation()
    targets: Targets
    reporting: Reporting = Reporting()
    small_area: SmallArea = SmallArea()
    planning: Planning = Planning()
    scorecard: Scorecard = Scorecard()
    analysis: Analysis = Analysis()
    simulation: Simulation = Simulation()
    quality: Quality = Quality()

    @staticmethod
    def _known_keys(where: str, mapping, known, what: str) -> None:
        for key in mapping:
            if key not in known:
                raise ValueError(f"{where}.{key} is not {what}{_nearest(key, known)}")

    @model_validator(mode="after")
    def _across_sections(self):
        ids = [r.id for r in self.rounds]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate round ids in 'rounds': {ids}")
        roles = [r.role for r in self.rounds]
        if roles.count("baseline") > 1 or roles.count("endline") > 1:
            raise ValueError("at most one round may have role 'baseline' and one 'endline'")
        years = [r.year for r in self.rounds]
        twice = sorted({y for y in years if years.count(y) > 1})
        if twice:
            same = [r.id for r in self.rounds if r.year == twice[0]]
            raise ValueError(f"rounds {same} have the same year {twice[0]}: give each round its own 'year'")
        # rounds are data ordered by their year, whatever order the file lists them in
        # (literacy.assessment.schedule.listed_out_of_order says so once)
        self.rounds = sorted(self.rounds, key=lambda r: r.year)
        if self.targets.year is None:
            end = [r.year for r in self.rounds if r.role == "endline"]
            if not end:
                raise ValueError("targets.year is needed when no round has role 'endline' (a mid-term "
                                 "assessment measures progress toward the target due that year)")
            self.targets.year = end[0]
        for i, cols in enumerate(self.breakdowns):
            # "group" in a crossing stands for each key group in turn (e.g. [district, group])
            if cols.count("group") > 1 or cols == ["group"]:
                raise ValueError(f"breakdowns[{i}] may hold 'group' once, crossed with other columns")
            if "group" in cols and not self.groups:
                raise ValueError(f"breakdowns[{i}] crosses with 'group' but no groups are configured")
        d = self.design
        if self.ingest.match_sample is None:
            self.ingest.match_sample = [d.strata, d.psu, d.selection_prob]
        contract = {c.lower() for c in (d.respondent_id, d.strata, d.psu, d.selection_prob, *CONTRACT_COLUMNS)}
        clash = sorted({c.lower() for c in self.ingest.identifiers} & contract)
        if clash:
            raise ValueError(f"ingest.identifiers lists '{clash[0]}', a column the assessment needs")
        # keys that are data still name something the config knows: a survey variable (labels of a
        # misspelt variable would leave the real one unchecked), a round with its own form. (The
        # national figures and simulated rates may list years beyond the rounds: not checked.)
        self._known_keys("simulation.forms", self.simulation.forms, ids, "a round id")
        self._known_keys("quality.exclude.interviewers", self.quality.exclude.interviewers, ids, "a round id")
        used = set(CONTRACT_COLUMNS) | {"age_band"} | {c for cols in self.breakdowns for c in cols} \
            | {cond.column for g in self.groups for cond in g.rule} | set(self.weighting.nonresponse.classes) \
            | {c for m in self.weighting.raking.margins for c in m} | set(self.ingest.value_map) \
            | {c for m in self.small_area.models for c in m.breakdown} | {"group"}
        self._known_keys("survey.labels", self.survey.labels, sorted(used), "a survey variable the assessment uses")
        # a domain's own target names a configured key group or a labelled district
        self._known_keys("targets.domains.group", self.targets.domains.get("group", {}),
                         [g.code for g in self.groups], "a key group in 'groups'")
        if self.survey.labels.get("district"):
            self._known_keys("targets.domains.district", self.targets.domains.get("district", {}),
                             sorted(self.survey.labels["district"]), "a district of survey.labels.district")
        seed = self.assessment.seed
        if self.measurement.seed is None:
            self.measurement.seed = seed
        if self.small_area.bootstrap.seed is None:
            self.small_area.bootstrap.seed = seed
        if self.small_area.alpha is None:
            self.small_area.alpha = 1 - float(self.estimation.level)
        if self.small_area.levels is None:
            self.small_area.levels = [self.scoring.headline]
        codes = [lv.code for lv in self.scoring.levels]
        bad = [lv for lv in self.small_area.levels if lv not in codes]
        if bad:
            raise ValueError(f"small_area.levels: {bad[0]!r} is not a scoring level ({', '.join(codes)})")
        return self


def _nearest(key: str, known) -> str:
    import difflib

    near = difflib.get_close_matches(str(key), [str(k) for k in known], n=1, cutoff=0.6)
    return f"; did you mean {near[0]!r}?" if near else f" ({', '.join(map(str, known))})"


def parse_config(raw: Any, prefix: str = "config: ") -> AssessmentConfig:
    """The typed config of a parsed YAML mapping.

    Raises
    ------
    ConfigError
        One line naming the key's full path: an unknown key with the nearest known one
        (``reporting.minn is not a known setting; did you mean reporting.min_n?``), a missing
        key, or a value and what is allowed.
    """
    return parse(AssessmentConfig, raw, prefix)


def resolved_config(config: AssessmentConfig) -> dict:
    """The typed config as the plain mapping the pipeline passes between tasks: every key present,
    every default filled (YAML names: ``in`` for a group condition)."""
    return config.model_dump(mode="python", by_alias=True)


def json_schema() -> dict:
    """The JSON Schema of an assessment config (``literacy config schema``), for editors."""
    schema = AssessmentConfig.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "literacy assessment config"
    return schema
