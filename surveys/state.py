"""Per-application state: the plugin manager and the registries, in ``app.extensions``."""

from __future__ import annotations

from dataclasses import dataclass

import pluggy
from flask import Flask, current_app

from .core.definitions import Instrument
from .plugins import Registry

KEY = "surveys"


@dataclass
class SurveysState:
    pm: pluggy.PluginManager
    registry: Registry

    def instrument(self, instrument_id: str) -> Instrument | None:
        return self.registry.instruments.get(instrument_id)


def get_state(app: Flask | None = None) -> SurveysState:
    return (app or current_app).extensions[KEY]
