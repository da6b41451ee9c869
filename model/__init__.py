"""Agent-based model of startup governance (Mesa 3): a founder-CEO, investors, executives
and researchers, week by week. No file I/O and no printing here."""

from model.company import StartupModel
from model.parameters import Parameters, ParameterError
from model.scenarios import Scenario, load, names
from model.api import Result, simulate

__all__ = ["StartupModel", "Parameters", "ParameterError", "Scenario", "load", "names",
           "Result", "simulate"]
