"""Demand model: how many elderly and infants each community has in the target year, and what they need.

Every number is traced to an input or a cited default (configs/demography.yaml): see `DemandEstimate.sources`
and `DemandEstimate.assumptions`.
"""

from siting.demand.base import COHORTS, GROUPS, VARIANTS, Assumption
from siting.demand.calibrate import CALIBRATION_COLUMNS
from siting.demand.defaults import DEFAULTS_PATH, DemandDefaults, Param, load_defaults
from siting.demand.model import DemandEstimate, estimate_groups
from siting.demand.projection import STATE, cohort_step, groups_from_cohorts, initial_cohorts, project
from siting.demand.rake import RakeError, RakeResult, rake
from siting.demand.section import AttributeMultiplier, Band, DemandSection, Margin, parse_section
from siting.demand.service import service_demand
from siting.demand.tables import area_summary, community_table, markdown_section

__all__ = [
    "CALIBRATION_COLUMNS",
    "COHORTS",
    "DEFAULTS_PATH",
    "GROUPS",
    "STATE",
    "VARIANTS",
    "Assumption",
    "AttributeMultiplier",
    "Band",
    "DemandDefaults",
    "DemandEstimate",
    "DemandSection",
    "Margin",
    "Param",
    "RakeError",
    "RakeResult",
    "area_summary",
    "cohort_step",
    "community_table",
    "estimate_groups",
    "groups_from_cohorts",
    "initial_cohorts",
    "load_defaults",
    "markdown_section",
    "parse_section",
    "project",
    "rake",
    "service_demand",
]
