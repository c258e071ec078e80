"""The province: many city assessments and their roll-up (pure computation, no I/O).

:mod:`literacy.province.members` reads a province config and builds each member's city
config; :mod:`literacy.province.rollup` pools the cities' samples into the province's
design and computes the province's shares, the change, the league table and the cities
against the province.
"""

from literacy.province.members import member_config, member_seed, validate_province
from literacy.province.rollup import (league_table, pooled_design, province_change, province_estimates,
                                      province_verdict, stack_cities, versus_province)

__all__ = ["member_config", "member_seed", "validate_province", "league_table", "pooled_design", "province_change",
           "province_estimates", "province_verdict", "stack_cities", "versus_province"]
