"""A simulated survey programme: the embedded default data of an assessment.

The simulation builds, for every configured round, a synthetic population of adults living in
primary sampling units (urban communities 社区 and rural villages 村), scores every adult on
the questionnaire with an item-response model, draws a stratified two-stage sample exactly as
a survey agency would (PSUs with probability proportional to size, systematic without
replacement within strata; then a fixed number of adults by simple random sampling within
each sampled PSU), applies unit nonresponse that depends on covariates, and returns the files
of a delivery in the layout real data uses (``instrument``, ``responses``, ``sample``,
``margins``) plus the population truth the estimates can be checked against.

City-specific numbers (district sizes, rural shares, sex ratio, PSU sizes, target rates,
sample allocation) come from the config's ``simulation`` section; the behavioural model
(education by age, occupation, literacy, response propensity) is a generic, illustrative
model of a Chinese industrial prefecture-level city, written down as the constants of
:mod:`~literacy.simulation.population`, :mod:`~literacy.simulation.responses` and
:mod:`~literacy.simulation.sampling`.
Nothing here reads or writes files.

Modules: :mod:`~literacy.simulation.codes` (the contract's codes),
:mod:`~literacy.simulation.configured` (what is read from the config),
:mod:`~literacy.simulation.questionnaire` (the item bank), :mod:`~literacy.simulation.forms`
(each round's form), :mod:`~literacy.simulation.population` (the PSU frame and the adults),
:mod:`~literacy.simulation.responses` (the item-response model),
:mod:`~literacy.simulation.sampling` (the two-stage sample and nonresponse) and
:mod:`~literacy.simulation.programme` (every round together).
"""

from literacy.simulation.codes import EDUCATION, OCCUPATION, RESIDENCE, SEX
from literacy.simulation.forms import make_forms
from literacy.simulation.programme import Programme, RoundData, simulate_programme
from literacy.simulation.questionnaire import make_instrument
from literacy.simulation.sampling import pps_inclusion, pps_systematic

__all__ = [
    "Programme",
    "RoundData",
    "make_instrument",
    "make_forms",
    "simulate_programme",
    "pps_systematic",
    "pps_inclusion",
    "EDUCATION",
    "OCCUPATION",
    "RESIDENCE",
    "SEX",
]
