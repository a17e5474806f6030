"""The one configuration: defaults with their types, the instance's config.py,
``BAYFLOW_<NAME>`` in the environment, and a wrong type stopping the start."""
from __future__ import annotations

import re

import pytest

from kiosk.app import create_app
from kiosk.core import config
from tests.support import ROOT

README = ROOT / "README.md"


def test_every_setting_has_its_default_after_start(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "n.sqlite"), "SECRET_KEY": "x", "WEB_PAGES": False})
    for setting in config.documented(tmp_path):
        assert setting.name in app.config
    assert app.config["SCAN_TERMINATORS"] == "Enter" and app.config["IDLE_TIMEOUT_SECONDS"] == 300


def test_the_environment_overrides_the_instance_file_and_is_typed(tmp_path, monkeypatch):
    monkeypatch.setenv("BAYFLOW_INSTANCE", str(tmp_path))
    (tmp_path / "config.py").write_text("IDLE_TIMEOUT_SECONDS = 60\nSTORE_NAME = '北京店'\n")
    monkeypatch.setenv("BAYFLOW_IDLE_TIMEOUT_SECONDS", "90")
    monkeypatch.setenv("BAYFLOW_DISCOVERY", "off")
    monkeypatch.setenv("BAYFLOW_WORKSHOP_BAYS", "A, B")
    app = create_app({"DATABASE": str(tmp_path / "n.sqlite"), "SECRET_KEY": "x", "WEB_PAGES": False})
    assert app.config["IDLE_TIMEOUT_SECONDS"] == 90 and app.config["STORE_NAME"] == "北京店"
    assert app.config["DISCOVERY"] is False and app.config["WORKSHOP_BAYS"] == ["A", "B"]


@pytest.mark.parametrize("setting, value", [("IDLE_TIMEOUT_SECONDS", "3 minutes"), ("DISCOVERY", "yes"),
                                            ("WORKSHOP_BAYS", "1,2")])
def test_a_setting_of_the_wrong_type_stops_the_start_naming_it(tmp_path, setting, value):
    with pytest.raises(config.ConfigError, match=setting):
        create_app({"DATABASE": str(tmp_path / "n.sqlite"), "SECRET_KEY": "x", setting: value})


def test_the_readme_documents_every_setting_and_no_other():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Configuration"):]
    section = section[:section.index("\n## ")]
    listed = set(re.findall(r"^\| `([A-Z_]+)` \|", section, re.M))
    assert listed == {s.name for s in config.documented()}
