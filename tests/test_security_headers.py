"""Headers and secrets (issue #19, item 15): every answer carries a strict
Content-Security-Policy (this node's files only, no inline script, no eval),
forbids framing and sniffing; no template holds inline script or style that the
policy would block; the instance's secret key file is readable by its owner only,
and each node signs its cookies with a key of its own."""
from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from kiosk import create_app
from kiosk.db import database

TEMPLATES = Path(__file__).resolve().parent.parent / "kiosk" / "templates"


@pytest.mark.parametrize("path", ["/", "/login", "/bay/", "/workshop/board", "/static/kiosk.js", "/nowhere",
                                  "/api/v1/health"])
def test_every_answer_forbids_framing_sniffing_and_foreign_code(client, path):
    answer = client.get(path)
    answer.close()  # a static file is streamed from disk
    policy = answer.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'" and directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert "unsafe" not in policy and "*" not in policy and "http" not in policy
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_a_label_page_styles_only_with_this_answers_nonce(client, make_staff, login):
    login(make_staff("parts_clerk", badge="PRT-CSP"))
    answer = client.get("/parts/labels/bin/C-01-01")
    page = answer.get_data(as_text=True)
    nonce = re.search(r"'nonce-([^']+)'", answer.headers["Content-Security-Policy"]).group(1)
    assert f'<style nonce="{nonce}">' in page
    other = re.search(r"'nonce-([^']+)'", client.get("/parts/labels/bin/C-01-01").headers["Content-Security-Policy"])
    assert other.group(1) != nonce  # a new one each time


INLINE = [
    (re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style(?![^>]*\snonce=)[^>]*>", re.I), "a <style> without the nonce"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an on…= event handler"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"hx-on|javascript:|js:", re.I), "script htmx would eval"),
]


@pytest.mark.parametrize("template", sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html")))
def test_no_template_holds_script_or_style_the_policy_blocks(template):
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    text = re.sub(r"\{#.*?#\}", "", text, flags=re.S)  # comments may name what they avoid
    for pattern, what in INLINE:
        assert not pattern.search(text), f"{template} has {what}"


def test_the_secret_key_file_is_the_owners_only_and_each_node_has_its_own_key(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    monkeypatch.setenv("BAYFLOW_INSTANCE", str(instance))
    first = create_app({"DATABASE": str(tmp_path / "a.sqlite"), "NODE_PREFIX": "A1"})
    database.close()
    key_file = instance / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    second = create_app({"DATABASE": str(tmp_path / "b.sqlite"), "NODE_PREFIX": "B1"})
    database.close()
    assert first.config["SECRET_KEY"] != second.config["SECRET_KEY"]
    assert key_file.read_text().strip() not in (first.config["SECRET_KEY"], second.config["SECRET_KEY"])
    assert first.config["SESSION_COOKIE_NAME"] != second.config["SESSION_COOKIE_NAME"]
    again = create_app({"DATABASE": str(tmp_path / "a.sqlite")})  # a restart keeps its sessions
    database.close()
    assert again.config["SECRET_KEY"] == first.config["SECRET_KEY"]

    # A session cookie signed by one node opens nothing on the other.
    from flask.sessions import SecureCookieSessionInterface

    with first.test_request_context():
        signed = SecureCookieSessionInterface().get_signing_serializer(first).dumps({"staff_id": "x"})
    with second.test_request_context():
        with pytest.raises(Exception):
            SecureCookieSessionInterface().get_signing_serializer(second).loads(signed)


def test_a_copied_world_readable_key_is_narrowed(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "secret_key").write_text("copied-from-the-install-image")
    os.chmod(instance / "secret_key", 0o644)
    monkeypatch.setenv("BAYFLOW_INSTANCE", str(instance))
    create_app({"DATABASE": str(tmp_path / "c.sqlite")})
    database.close()
    assert stat.S_IMODE((instance / "secret_key").stat().st_mode) == 0o600
