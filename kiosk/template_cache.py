"""What a page's render no longer does again and again (#20): compiled templates kept on
disk for every start and process, and the links of a page built once per process.

The reception desk and the work-order page render 40–60 template calls each; the
profile under load (README, Benchmarks) showed Jinja's own work and Flask's
``url_for`` as the largest parts of a page after the queries. What is the same
for every request is worked out once here, keyed by everything it depends on.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import quote

from flask import Flask, current_app, g, has_request_context, request
from flask_babel import get_locale, get_translations
from flask_wtf.csrf import generate_csrf
from jinja2 import BaseLoader, FileSystemBytecodeCache
from jinja2.ext import Extension
from jinja2.lexer import Token
from markupsafe import Markup
from peewee import fn
from werkzeug.routing import BaseConverter

from kiosk.core import events
from kiosk.core.prepared import Prepared
from sync.tables import ChangeEvent

# Links kept per process (url_for): a page asks for 20–40, most the same on every request
# (static files, the stations, forms); one per work order is kept too, so the store is
# bounded and emptied when full rather than tracked entry by entry.
MAX_LINKS = 8192


class TemplateCache(FileSystemBytecodeCache):
    """Compiled templates kept on disk in the instance folder, shared by the server's processes.

    Compiling the templates takes about a second of CPU; every start of every
    server process paid it again. Jinja keys each file by the template's path and
    checks its source and the Python version, so an edited template or an upgrade
    compiles again; a write that fails (a read-only folder, a full disk) only
    means the next start compiles too.
    """

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        super().__init__(str(folder), "%s.jinja")

    def dump_bytecode(self, bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def kept_links(app: Flask):
    """Templates' ``url_for``: Flask's, with each link kept once built.

    Building a link walks werkzeug's rules (5–20 µs, 40 times on the work-order page).
    A relative link depends only on the endpoint, its values, the request's blueprint
    (for ``.name``) and the script root the app is served under, so those are the key;
    an absolute link (``_external``, ``_scheme``), a render outside a request (a print
    made by a worker) or a value that cannot be a key is built every time. A link of a
    new work order fills a kept shape of its rule (``_shape``). The app's rules are
    fixed once it serves.
    """
    build = app.url_for
    links: dict = {}
    shapes: dict = {}

    def url_for(endpoint: str, **values) -> str:
        if "_external" in values or "_scheme" in values or not has_request_context():
            return build(endpoint, **values)
        asked = request._get_current_object()  # one look through Flask's proxy, not two
        blueprint = asked.blueprint if endpoint[:1] == "." else None
        try:
            key = (endpoint, blueprint, asked.script_root, tuple(sorted(values.items())) if values else ())
            found = links.get(key)
        except TypeError:  # a list or a dict among the values
            return build(endpoint, **values)
        if found is None:
            shape_key = key[:3] + (tuple(name for name, _ in key[3]),)
            shape = shapes.get(shape_key, False)
            if shape is False:
                shape = shapes[shape_key] = _shape(app, build, endpoint, blueprint, key[3])
            if shape is None or any(value is None for _, value in key[3]):
                found = build(endpoint, **values)
            else:
                found = "".join(part if i % 2 == 0 else quote(str(values[part]), safe=_PATH_SAFE)
                                for i, part in enumerate(shape))
            if len(links) >= MAX_LINKS:
                links.clear()
            links[key] = found
        return found

    return url_for


# What werkzeug's plain converters leave unquoted in a path (BaseConverter.to_url).
_PATH_SAFE = "!$&'()*+,/:;=@"


def _shape(app: Flask, build, endpoint: str, blueprint: str | None, items: tuple) -> list | None:
    """A link of ``endpoint`` with these value names as [text, name, text, name, …, text], when
    every value goes into the path of its only rule through a plain converter (quoted the same
    way for every value); None otherwise (query values, anchors, ``int`` converters …)."""
    if not items:
        return None
    full = (f"{blueprint}{endpoint}" if blueprint else endpoint[1:]) if endpoint[:1] == "." else endpoint
    rules = app.url_map._rules_by_endpoint.get(full, [])
    names = [name for name, _ in items]
    if len(rules) != 1 or any(name not in rules[0].arguments for name in names) \
            or len(names) != len(rules[0].arguments) \
            or any(type(rules[0]._converters[name]).to_url is not BaseConverter.to_url for name in names):
        return None
    marks = {name: f"bayflowslot{i}x" for i, name in enumerate(names)}
    try:
        text = build(endpoint, **marks)
    except Exception:  # noqa: BLE001 - any refusal means: build each link as Flask does
        return None
    parts: list = []
    for name, mark in marks.items():
        if text.count(mark) != 1:
            return None
    rest = text
    while True:
        first = min(((rest.find(mark), name) for name, mark in marks.items() if mark in rest), default=None)
        if first is None:
            parts.append(rest)
            return parts if "?" not in "".join(parts[::2]) else None
        at, name = first
        parts += [rest[:at], name]
        rest = rest[at + len(marks[name]):]


# A page's fixed texts, translated when its template is compiled (one compiled template per
# language): ``{{ _('Customer') }}`` costs three of Jinja's context calls, a catalogue lookup
# and a Markup formatting on every render (17 µs; 65 of them on the work-order page, most of
# its template time). Templates asked for while a request is served are named
# ``@<language>~<catalogue digest>/<name>``: the digest changes when the catalogue does, so a
# compiled template kept on disk (TemplateCache) never shows an old translation. A text with
# values (``_('… %(n)s', n=…)``), plurals, and renders outside a request stay as before.
_LANGUAGE = "@"
_catalogues: dict[str, object] = {}  # "<language>~<digest>" -> its translations
_prefixes: dict[str, str] = {}  # language -> "@<language>~<digest>/"


class FoldTranslations(Extension):
    """``_('a fixed text')`` in a template compiled for one language becomes that text, translated
    (marked safe, as Jinja's gettext marks a translation); everything else is left alone."""

    def filter_stream(self, stream):
        catalogue = _catalogues.get(_language_of(stream.name or ""))
        tokens = list(stream)
        if catalogue is None:
            return tokens
        out = []
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if (token.type == "name" and token.value == "_" and i + 3 < len(tokens)
                    and tokens[i + 1].type == "lparen" and tokens[i + 2].type == "string"
                    and tokens[i + 3].type == "rparen" and (i == 0 or tokens[i - 1].type != "dot")):
                try:
                    # As Jinja's gettext does: the translation, then ``% {}`` ("%%" reads "%").
                    text = catalogue.ugettext(tokens[i + 2].value) % {}
                except (TypeError, ValueError, KeyError):
                    text = None  # it fails at render time, as it would have
                if text is not None:
                    out += [Token(token.lineno, "string", text), Token(token.lineno, "pipe", "|"),
                            Token(token.lineno, "name", "safe")]
                    i += 4
                    continue
            out.append(token)
            i += 1
        return out


def _language_of(name: str) -> str | None:
    if not name.startswith(_LANGUAGE):
        return None
    return name[1:name.find("/")]


class _LanguageLoader(BaseLoader):
    """Reads ``@<language>~<digest>/<name>`` as ``<name>`` with the app's own loader."""

    def __init__(self, inner: BaseLoader):
        self.inner = inner

    def get_source(self, environment, template: str):
        if template.startswith(_LANGUAGE):
            template = template[template.find("/") + 1:]
        return self.inner.get_source(environment, template)

    def list_templates(self) -> list[str]:
        return self.inner.list_templates()


def _prefix() -> str:
    """This request's language as a template name prefix, its catalogue registered for the compiler.

    Asked at every include and import (36 times on the work-order page): kept beside
    Flask-Babel's own record of the request's locale, and worked out again when that
    locale object changes (``force_locale``, ``refresh``).
    """
    babel_ctx = getattr(g._get_current_object(), "_flask_babel", None)
    kept = getattr(babel_ctx, "bayflow_prefix", None)
    if kept is not None and kept[0] is getattr(babel_ctx, "babel_locale", None):
        return kept[1]
    locale = get_locale()
    found = _prefixes.get(str(locale))
    if found is None:
        translations = get_translations()
        catalogue = getattr(translations, "_catalog", {})
        fallback = getattr(getattr(translations, "_fallback", None), "_catalog", {})
        digest = hashlib.sha256(repr((sorted(map(repr, catalogue.items())),
                                      sorted(map(repr, fallback.items())))).encode()).hexdigest()[:12]
        key = f"{locale}~{digest}"
        _catalogues[key] = translations
        found = _prefixes[str(locale)] = f"{_LANGUAGE}{key}/"
    babel_ctx = getattr(g._get_current_object(), "_flask_babel", None)  # made by get_locale
    if babel_ctx is not None:
        babel_ctx.bayflow_prefix = (locale, found)
    return found


def csrf_token() -> str:
    """Templates' ``csrf_token()``: the token Flask-WTF made for this request, or a new one.

    A page asks for it six times or more (every form, the htmx headers); Flask-WTF's
    ``generate_csrf`` reads its settings and the session again each time.
    """
    return g.get("csrf_token") or generate_csrf()


def per_language(app: Flask) -> None:
    """Compile the templates a request asks for once per language, their fixed texts translated
    (call it once the app's template globals are all set)."""
    env = app.jinja_env
    env.add_extension(FoldTranslations)
    env.loader = _LanguageLoader(env.loader)
    load = env._load_template

    def _load_template(name, globals):
        if isinstance(name, str) and not name.startswith(_LANGUAGE) and has_request_context():
            name = _prefix() + name
        return load(name, globals)

    env._load_template = _load_template
    # An include or import from a template compiled for a language is the same language's:
    # the name carries it, and the request's locale is not looked up again (36 times a page).
    env.join_path = lambda template, parent: (parent[:parent.find("/") + 1] + template
                                              if parent.startswith(_LANGUAGE) and not template.startswith(_LANGUAGE)
                                              else template)
    # Jinja gives each loaded template its globals as a ChainMap over the environment's, so a
    # global added later still shows. Every render and every macro import then lists and
    # searches that chain (250 lookups on the work-order page, 7% of it); bayflow sets all its
    # globals while the app is made, before a template loads, so a plain dict holds the same.
    env.make_globals = lambda found: {**env.globals, **(found or {})}


# A rendered part of a page that is the same for everyone at this node (the reception desk's
# board: today's and tomorrow's appointments, the open orders), kept until the store's data
# changes. Two signs of a change, read before the part is made: the newest change event's
# number (every replicated write, here, by a pull or by another process such as a command,
# adds one) and the page events this process delivered (every commit that touched a table,
# here or in the server's other processes, sends one: the pages refresh on the same events).
_NEWEST_CHANGE = Prepared(lambda slot: ChangeEvent.select(fn.MAX(ChangeEvent.seq).alias("newest")).dicts())
MAX_PARTS = 64


def kept_part(name: str, make, *key) -> Markup:
    """``make()``'s HTML for ``name`` and ``key`` in this request's language, made again only
    when the data changed since (see above). ``key`` holds what else the part depends on
    (a day, how many rows)."""
    version = (events.delivered(), _NEWEST_CHANGE.first()["newest"])
    parts = current_app.extensions.setdefault("bayflow_kept_parts", {})  # per app: tests make many
    place = (name, _prefix(), request.script_root, key)
    found = parts.get(place)
    if found is not None and found[0] == version:
        return found[1]
    html = Markup(make())
    if len(parts) >= MAX_PARTS:
        parts.clear()
    parts[place] = (version, html)
    return html
