"""The simulated survey programme under its historical name: a re-export of
:mod:`literacy.simulation` (the embedded default data of an assessment), with no logic of its own."""

from literacy.simulation import (
    EDUCATION,
    OCCUPATION,
    RESIDENCE,
    SEX,
    Programme,
    RoundData,
    make_forms,
    make_instrument,
    pps_inclusion,
    pps_systematic,
    simulate_programme,
)

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
