"""The demos in the learners' languages: gettext, read straight from the .po files.

Every sentence a demo prints goes through ``_()`` (or ``ngettext()`` when it
counts something), exactly as in any gettext program::

    from _i18n import _, ngettext
    say(_("Each layer back multiplies the gradient by {factor}.").format(factor=format_number(f)))
    print(ngettext("{count} gradient", "{count} gradients", n).format(count=n))

The catalogs are ordinary ``.po`` files, ``demos/locale/<language>/LC_MESSAGES/tinygrad_edu_demos.po``
(the layout gettext, Poedit and Weblate expect), made from the template
``demos/locale/tinygrad_edu_demos.pot`` by ``python tools/i18n.py update``.
No ``.mo`` file is shipped: the chosen ``.po`` is compiled to ``.mo`` bytes
in memory (:func:`compile_mo`, a few milliseconds) and handed to the
standard library's ``gettext.GNUTranslations``.  So the ``.po`` file a
translator saves is the one source of truth, and a fresh clone runs in every
language with nothing to build.

The language: ``--lang en|pt_BR|tr`` on the command line, else gettext's own
environment variables, the first one set of ``LANGUAGE``, ``LC_ALL``,
``LC_MESSAGES``, ``LANG`` (``LANGUAGE`` may list several, ``tr:en``), else
English.  English is the language of the source: it needs no catalog.

Two rules keep a translation honest (docs/translating.md has them all):
numbers are formatted by the code and reach the sentence through a named
placeholder (``{count}``), so they read the same in every language; and
translated text is never passed through ``.upper()``/``.lower()`` (Turkish
has a dotted and a dotless i).
"""

from __future__ import annotations

import ast
import gettext
import io
import locale
import os
import re
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

DOMAIN = "tinygrad_edu_demos"
LOCALE = Path(__file__).resolve().parent / "locale"
ENGLISH = "en"
#: gettext's own order: the first of these that is set (and not empty) decides.
ENVIRONMENT = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


# ---------------------------------------------------------------------------
# The functions the demos call
# ---------------------------------------------------------------------------

_translations: gettext.NullTranslations = gettext.NullTranslations()
_language = ENGLISH


def _(message: str) -> str:
    """``message`` in the current language (itself when it is not translated)."""
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a message that agrees with the number ``n``, in the current language."""
    return _translations.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it yet (for text defined before a language is chosen)."""
    return message


def language() -> str:
    """The language the demos are speaking now: ``en``, ``pt_BR``, ``tr``."""
    return _language


def available() -> list:
    """Every language a demo can speak: English and each language with a catalog in demos/locale."""
    found = sorted(path.parent.parent.name for path in LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return [ENGLISH] + [name for name in found if name != ENGLISH]


def use(name: str) -> None:
    """Speak ``name`` from now on (one of :func:`available`)."""
    global _translations, _language
    if name == ENGLISH:
        _translations, _language = gettext.NullTranslations(), ENGLISH
        return
    if name not in available():
        raise ValueError(f"no catalog for the language {name!r}; available: {', '.join(available())}")
    _translations, _language = load(name), name


_loaded: dict = {}  # (path, modification time, size) -> GNUTranslations: run_all loads each catalog once


def load(name: str) -> gettext.GNUTranslations:
    """The catalog of language ``name``: its .po file, compiled in memory, read by gettext."""
    path = LOCALE / name / "LC_MESSAGES" / f"{DOMAIN}.po"
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    if key not in _loaded:
        entries = read_po(path.read_text(encoding="utf-8"), str(path))
        _loaded[key] = gettext.GNUTranslations(io.BytesIO(compile_mo(entries)))
    return _loaded[key]


# ---------------------------------------------------------------------------
# Choosing the language
# ---------------------------------------------------------------------------

def from_environment(environ=None) -> str:
    """The language gettext's variables ask for, among :func:`available`; English when none matches.

    As ``gettext.find`` reads them: the first variable set decides, and it
    may list several languages separated by ``:``, tried in order.  ``C`` and
    ``POSIX`` mean the untranslated program; ``pt_BR.UTF-8`` matches
    ``pt_BR``, ``tr_TR.UTF-8`` matches ``tr``.  Unlike gettext, ``en`` also
    matches (English needs no catalog), so ``LANGUAGE=en:tr`` speaks English.

    >>> from_environment({"LANG": "C.UTF-8"})
    'en'
    >>> from_environment({"LANGUAGE": "fr:de", "LANG": "tr_TR.UTF-8"})  # LANGUAGE is set: LANG is not read
    'en'
    """
    environ = os.environ if environ is None else environ
    for variable in ENVIRONMENT:
        value = environ.get(variable)
        if value:
            for entry in value.split(":"):
                match = _match(entry.strip())
                if match is not None:
                    return match
            return ENGLISH
    return ENGLISH


def _match(entry: str) -> str | None:
    """The available language that a locale name such as ``pt_BR.UTF-8`` or ``tr`` means, if any."""
    if not entry:
        return None
    if entry in ("C", "POSIX") or entry.startswith(("C.", "POSIX.")):
        return ENGLISH
    names = available()
    for candidate in (entry, locale.normalize(entry)):
        full = candidate.split("@")[0].split(".")[0]  # language_TERRITORY, without codeset or modifier
        for name in (full, full.split("_")[0]):
            if name in names:
                return name
    return None


def requested(argv: list) -> str | None:
    """The value of ``--lang`` in ``argv`` (``--lang tr`` or ``--lang=tr``; "" if it has none), or None."""
    for k, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang":
            return argv[k + 1] if k + 1 < len(argv) else ""
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def choose(argv: list, prog: str) -> str:
    """Read ``--lang`` from ``argv`` before anything is printed, and speak it (else what the environment asks).

    It has to be read this early: argparse writes each option's help text
    when the option is added, long before ``parse_args``.  An unknown
    language ends the program with a one-line error that lists the others.
    """
    name = requested(argv)
    if name is None:
        use(from_environment())
        return _language
    if name not in available():
        use(from_environment())
        message = (_("{prog}: error: argument --lang: no language {name}; available: {languages}") if name else
                   _("{prog}: error: argument --lang: expected one of {languages}"))
        sys.stderr.write(message.format(prog=prog, name=repr(name), languages=", ".join(available())) + "\n")
        sys.exit(2)
    use(name)
    return name


# ---------------------------------------------------------------------------
# .po files: read, and compile to the .mo bytes gettext reads
# ---------------------------------------------------------------------------

@dataclass
class Entry:
    """One message of a .po file, with everything a translator's tool keeps around it."""

    msgid: str
    msgstr: list = field(default_factory=lambda: [""])  # one string, or one per plural form
    msgid_plural: str | None = None
    msgctxt: str | None = None
    flags: list = field(default_factory=list)  # "fuzzy", "python-brace-format", ...
    translator_comments: list = field(default_factory=list)  # "# ..." lines, the translator's own
    extracted_comments: list = field(default_factory=list)  # "#. ..." lines, from the source
    references: list = field(default_factory=list)  # "#: demos/x.py" lines
    previous: list = field(default_factory=list)  # "#| msgid ..." lines: the msgid before it changed
    obsolete: bool = False  # a "#~" entry: no longer in the source, kept for its translation

    @property
    def key(self) -> tuple:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def translated(self) -> bool:
        return all(self.msgstr) and not self.fuzzy


def read_po(text: str, where: str = "<po>") -> list:
    """The entries of a .po file, the header (msgid "") first; a syntax error names the line.

    Comments gather until the next entry starts (at its msgctxt or msgid) and
    belong to it; ``#~`` lines are obsolete entries, read like the others.

    >>> [e.msgstr for e in read_po('msgid "yes"\\nmsgstr "sim"\\n')]
    [['sim']]
    """
    entries, entry, field_name = [], None, None
    pending: dict = {"#": [], "#.": [], "#:": [], "#,": [], "#|": []}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
            if line.startswith("|"):  # "#~| msgid ...": the previous msgid of an obsolete entry
                line = "#" + line
        if not line:
            continue
        if line.startswith("#"):
            kind = line[:2] if line[:2] in ("#.", "#:", "#,", "#|") else "#"
            pending[kind].append(line[len(kind):].strip() if kind != "#" else line[1:].removeprefix(" "))
            continue
        keyword, _space, rest = line.partition(" ")
        if keyword.startswith('"'):
            if entry is None or field_name is None:
                raise ValueError(f"{where}:{number}: a string with no msgid or msgstr before it")
            _append(entry, field_name, _unquote(line, where, number))
            continue
        value = _unquote(rest.strip(), where, number)
        if keyword == "msgctxt" or (keyword == "msgid" and field_name != "msgctxt"):
            entry = Entry(msgid="", obsolete=obsolete, translator_comments=pending["#"],
                          extracted_comments=pending["#."], references=pending["#:"], previous=pending["#|"],
                          flags=[f.strip() for flags in pending["#,"] for f in flags.split(",") if f.strip()])
            pending = {"#": [], "#.": [], "#:": [], "#,": [], "#|": []}
            entries.append(entry)
        elif entry is None:
            raise ValueError(f"{where}:{number}: {keyword} before any msgid")
        if keyword == "msgctxt":
            entry.msgctxt = value
        elif keyword == "msgid":
            entry.msgid = value
        elif keyword == "msgid_plural":
            entry.msgid_plural, entry.msgstr = value, []
        elif keyword == "msgstr":
            entry.msgstr = [value]
        elif keyword.startswith("msgstr[") and keyword.endswith("]") and keyword[7:-1].isdigit():
            if int(keyword[7:-1]) != len(entry.msgstr) or entry.msgid_plural is None:
                raise ValueError(f"{where}:{number}: {keyword} out of place")
            entry.msgstr.append(value)
        else:
            raise ValueError(f"{where}:{number}: cannot read {raw!r}")
        field_name = keyword
    return entries


def _append(entry: Entry, field_name: str, value: str) -> None:
    """A continuation line: add the string to the field it continues."""
    if field_name == "msgctxt":
        entry.msgctxt += value
    elif field_name == "msgid":
        entry.msgid += value
    elif field_name == "msgid_plural":
        entry.msgid_plural += value
    else:  # msgstr or msgstr[n]: always the last one read
        entry.msgstr[-1] += value


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(text: str, where: str, number: int) -> str:
    """A C string of a .po file ("a\\n\\"b\\"") as the text it stands for."""
    body = text[1:-1]
    if len(text) < 2 or text[0] != '"' or text[-1] != '"' or '"' in re.sub(r"\\.", "", body):
        raise ValueError(f"{where}:{number}: expected one quoted string, got {text!r}")
    if "\\" not in body:
        return body
    if re.fullmatch(r'(?:[^\\]|\\[nt"\\])*', body):  # the escapes .po files use: \\n \\t \\" \\\\
        return re.sub(r"\\(.)", lambda m: _ESCAPES[m.group(1)], body)
    try:
        return ast.literal_eval(text)  # the rest of C's escapes (\\r, \\x41, \\101) mean the same in Python
    except (SyntaxError, ValueError):
        raise ValueError(f"{where}:{number}: cannot read the string {text!r}") from None


def compile_mo(entries: list) -> bytes:
    """The .mo file of these entries, as msgfmt writes it: the translated ones, fuzzy and empty ones left out.

    The format (GNU gettext manual, "The Format of GNU MO Files"): a header of
    seven 32-bit numbers (magic, revision 0, N, the offsets of the tables of
    originals and translations, no hash table), the two tables of
    (length, offset) pairs, sorted by original, then the strings, each ended
    by a NUL.  A plural entry's original is msgid NUL msgid_plural and its
    translation the forms joined by NUL; a message with a context is
    msgctxt EOT msgid.
    """
    pairs = {}
    for entry in entries:
        if entry.obsolete or not all(entry.msgstr):
            continue
        if entry.fuzzy and entry.msgid != "":  # a fuzzy header still gives the charset and plural forms
            continue
        original = entry.msgid if entry.msgid_plural is None else entry.msgid + "\0" + entry.msgid_plural
        if entry.msgctxt is not None:
            original = entry.msgctxt + "\x04" + original
        pairs[original.encode("utf-8")] = "\0".join(entry.msgstr).encode("utf-8")
    originals = sorted(pairs)
    count = len(originals)
    start = 7 * 4 + 16 * count  # after the header and both tables
    offsets, strings, end = [], [], start
    for text in originals + [pairs[key] for key in originals]:
        offsets.append((len(text), end))
        strings.append(text + b"\0")
        end += len(text) + 1
    header = struct.pack("<7I", 0x950412DE, 0, count, 28, 28 + 8 * count, 0, 28 + 16 * count)
    tables = b"".join(struct.pack("<2I", length, offset) for length, offset in offsets)
    return header + tables + b"".join(strings)
