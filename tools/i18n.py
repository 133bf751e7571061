"""The demos' message catalogs: extract the messages, merge them into the translations, check them.

    python tools/i18n.py update          # demos/*.py -> demos/locale/tinygrad_edu_demos.pot -> every .po
    python tools/i18n.py check           # per language: translated, fuzzy, empty; placeholders that differ
    python tools/i18n.py init LANG       # start a catalog for a new language (asks for its plural rule)

Standard library only, and the files are the ones GNU gettext, Poedit and
Weblate use, so ``msgmerge``/``msgfmt`` give the same result where they are
installed.  What ``update`` does, as ``xgettext`` + ``msgmerge --previous``:

* extraction reads the source with ``ast``: every call ``_("...")``,
  ``N_("...")`` and ``ngettext("...", "...", n)`` whose arguments are string
  literals, and the first line of each demo's docstring (its description in
  ``--help`` and in run_all's listing).  ``_(name)`` with a variable is left
  alone (its text is marked ``N_()`` where it is defined); an f-string or an
  expression inside ``_()`` is an error.  A comment starting with
  ``TRANSLATORS:`` on the lines just above a call goes to the translators as
  a ``#.`` comment.  References name the file without a line number, so
  moving code around does not change the catalogs;
* each .po keeps the translations of the messages that did not change;
  a message that changed a little gets the old translation marked
  ``fuzzy``, with the old msgid as a ``#|`` comment, for the translator to
  review (a fuzzy translation is not used, English is shown instead);
  messages that left the source are kept at the end as ``#~`` (obsolete).

Problems the extraction cannot accept (an f-string inside ``_()``, a
placeholder that is not a plain name) are printed, and ``update`` then
writes nothing.  The rules for translators: docs/translating.md.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import io
import re
import string
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "demos"))

from _i18n import DOMAIN, LOCALE, Entry, read_po  # noqa: E402  (demos/ is not a package)

SOURCES = ROOT / "demos"
TEMPLATE = LOCALE / f"{DOMAIN}.pot"
#: The plural rule of each language, as GNU gettext's documentation gives it.
PLURAL_FORMS = {"pt_BR": "nplurals=2; plural=(n > 1);", "tr": "nplurals=2; plural=(n != 1);"}
#: A changed message inherits the old translation (fuzzy) when they are at least this similar.
SIMILAR = 0.6
WIDTH = 79  # the width gettext's tools wrap .po lines to
CALLS = {"_": 1, "N_": 1, "ngettext": 2}  # the marking functions and how many strings each takes


# ---------------------------------------------------------------------------
# Extraction
# ---------------------------------------------------------------------------

def extract(sources: Path = SOURCES) -> tuple:
    """``(entries, problems)``: every message of ``sources/*.py`` in order of appearance, and what is wrong."""
    messages: dict = {}
    problems: list = []
    for path in sorted(sources.glob("*.py")):
        name = f"{sources.name}/{path.name}"
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text, name)
        comments = _translator_comments(text)
        found = []
        doc = ast.get_docstring(tree)
        if doc and _is_demo(path):
            found.append((0, doc.strip().splitlines()[0], None,
                          f"The first line of {name}'s docstring: the demo's description in --help and in "
                          f"run_all's listing."))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in CALLS:
                strings = node.args[:CALLS[node.func.id]]
                if strings and not any(isinstance(s, ast.Constant) or _builds_text(s) for s in strings):
                    continue  # _(message), _(outcome(run)): a text marked with N_() where it is made
                if len(strings) < CALLS[node.func.id] or not all(
                        isinstance(s, ast.Constant) and isinstance(s.value, str) for s in strings):
                    problems.append(f"{name}:{node.lineno}: {node.func.id}() needs string literals, not an "
                                    f"f-string or an expression: a translator must see the whole sentence")
                    continue
                plural = strings[1].value if len(strings) == 2 else None
                found.append((node.lineno, strings[0].value, plural, comments.get(node.lineno)))
        problems += [f"{name}:{line}: {why}" for line, why in _shadowed(tree)]
        for line, msgid, plural, comment in sorted(found, key=lambda item: item[0]):
            problems += [f"{name}:{line}: {p}" for p in placeholder_problems(msgid, plural)]
            entry = messages.setdefault((None, msgid, plural), Entry(msgid=msgid, msgid_plural=plural,
                                                                     msgstr=[""] if plural is None else ["", ""]))
            if name not in entry.references:
                entry.references.append(name)
            if comment and comment not in entry.extracted_comments:
                entry.extracted_comments.append(comment)
            if placeholders(msgid) and "python-brace-format" not in entry.flags:
                entry.flags.append("python-brace-format")
    return list(messages.values()), problems


def _shadowed(tree: ast.Module) -> list:
    """Where ``_`` is assigned (``for _ in range(n)``) in a scope that also calls ``_()``: the call would fail.

    A comprehension has its own scope, so ``[f(x) for _ in ...]`` is harmless; a
    ``for`` statement, an assignment or a ``with ... as _`` makes ``_`` a local
    name of the whole function (or rebinds the module's).
    """
    found = []
    scopes = [tree] + [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))]
    for scope in scopes:
        body = list(_own_nodes(scope))
        calls = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_" for n in body)
        for n in body:
            if calls and isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store):
                found.append((n.lineno, "'_' is assigned here, in a scope that calls _(): name the variable"))
    return found


def _own_nodes(scope: ast.AST):
    """The nodes of a scope, without those of the functions, classes and comprehensions inside it."""
    todo = list(ast.iter_child_nodes(scope))
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp,
                                 ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            todo.extend(ast.iter_child_nodes(node))


def _builds_text(node: ast.AST) -> bool:
    """Whether an argument of ``_()`` puts a text together (an f-string, + or %, .format) instead of naming one."""
    if isinstance(node, ast.Constant):
        return False
    return any(isinstance(n, (ast.JoinedStr, ast.BinOp)) or (
        isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("format", "join"))
        for n in ast.walk(node))


def _is_demo(path: Path) -> bool:
    """A demo is a demos/*.py not starting with _, and not run_all (as run_all.demo_names says)."""
    return not path.stem.startswith("_") and path.stem != "run_all"


def _translator_comments(text: str) -> dict:
    """line of a call -> the ``# TRANSLATORS:`` comment block just above it (or on its own line)."""
    lines = text.splitlines()
    comment_lines = {}
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            comment_lines[token.start[0]] = token.string.lstrip("#").strip()
    found = {}
    for number in range(1, len(lines) + 1):
        block, k = [], number - 1
        while k in comment_lines and lines[k - 1].strip().startswith("#"):
            block.insert(0, comment_lines[k])
            k -= 1
        if number in comment_lines and not lines[number - 1].strip().startswith("#"):
            block.append(comment_lines[number])  # a comment at the end of the call's own line
        text_block = " ".join(block)
        if "TRANSLATORS:" in text_block:
            found[number] = text_block[text_block.index("TRANSLATORS:"):]
    return found


def placeholders(message: str) -> list:
    """The named placeholders ``{name}`` of a message, in order (``{{`` and ``}}`` are literal braces).

    >>> placeholders("{count} of {total} layers, {{literal}}")
    ['count', 'total']
    """
    try:
        return [name for _text, name, _spec, _conv in string.Formatter().parse(message) if name is not None]
    except ValueError:  # a lone brace: not a format string
        return []


def placeholder_problems(msgid: str, plural: str | None) -> list:
    """What breaks the rule "placeholders are plain names, the same in singular and plural"."""
    problems = []
    for message in (msgid, plural) if plural is not None else (msgid,):
        try:
            fields = list(string.Formatter().parse(message))
        except ValueError as error:
            problems.append(f"{message!r}: {error} (write a literal brace as {{{{ or }}}})")
            continue
        for _text, name, spec, conversion in fields:
            if name is None:
                continue
            if not name.isidentifier() or spec or conversion:
                problems.append(f"{message!r}: the placeholder {{{name}{'!' + conversion if conversion else ''}"
                                f"{':' + spec if spec else ''}}} is not a plain name; format the number in "
                                f"the code and pass it in as {{name}} (write a literal brace as {{{{ or }}}})")
    if plural is not None and sorted(placeholders(msgid)) != sorted(placeholders(plural)):
        problems.append(f"{msgid!r} and its plural {plural!r} have different placeholders")
    return problems


# ---------------------------------------------------------------------------
# Writing .po and .pot files
# ---------------------------------------------------------------------------

def header(language: str | None) -> Entry:
    """The header entry of the template (language None) or of a language's catalog."""
    fields = [
        "Project-Id-Version: tinygrad_edu demos",
        "Report-Msgid-Bugs-To: ",
        "PO-Revision-Date: YEAR-MO-DA HO:MI+ZONE" if language is None else "PO-Revision-Date: ",
        "Last-Translator: ",
        "Language-Team: ",
        f"Language: {language or ''}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=UTF-8",
        "Content-Transfer-Encoding: 8bit",
        f"Plural-Forms: {PLURAL_FORMS.get(language, 'nplurals=INTEGER; plural=EXPRESSION;')}",
    ]
    comments = ["Messages of the tinygrad_edu demos (demos/*.py and the tour, python -m tinygrad_edu).",
                "Made by: python tools/i18n.py update. How to translate: docs/translating.md; the terms: "
                "docs/glossary.md."]
    return Entry(msgid="", msgstr=["".join(f + "\n" for f in fields)], translator_comments=comments,
                 flags=["fuzzy"] if language is None else [])


def write_po(entries: list) -> str:
    """The text of a .po (or .pot) file holding ``entries``, wrapped as gettext's tools wrap it."""
    blocks = []
    for entry in entries:
        lines = [f"# {c}".rstrip() for c in entry.translator_comments]
        lines += [f"#. {c}" for c in entry.extracted_comments]
        lines += _wrap_references(entry.references)
        if entry.flags:
            lines.append("#, " + ", ".join(entry.flags))
        lines += [f"#| {c}" for c in entry.previous]
        body = []
        if entry.msgctxt is not None:
            body += _quoted("msgctxt", entry.msgctxt)
        body += _quoted("msgid", entry.msgid)
        if entry.msgid_plural is None:
            body += _quoted("msgstr", entry.msgstr[0])
        else:
            body += _quoted("msgid_plural", entry.msgid_plural)
            for k, form in enumerate(entry.msgstr):
                body += _quoted(f"msgstr[{k}]", form)
        if entry.obsolete:
            lines = [c for c in lines if not c.startswith(("#.", "#:", "#|"))]
            lines += [f"#~| {c}" for c in entry.previous]
            body = [f"#~ {line}" for line in body]
        blocks.append("\n".join(lines + body))
    return "\n\n".join(blocks) + "\n"


def _wrap_references(references: list) -> list:
    lines, line = [], "#:"
    for ref in references:
        if len(line) + 1 + len(ref) > WIDTH and line != "#:":
            lines.append(line)
            line = "#:"
        line += " " + ref
    return lines + ([line] if line != "#:" else [])


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")


def _quoted(keyword: str, text: str) -> list:
    """``keyword "text"`` on one line when it fits, else ``keyword ""`` and lines broken after spaces and \\n."""
    escaped = _escape(text)
    single = f'{keyword} "{escaped}"'
    if len(single) <= WIDTH and "\\n" not in escaped[:-2]:
        return [single]
    lines = [f'{keyword} ""']
    for paragraph in re.findall(r".*?\\n|.+$", escaped):
        line = ""
        for word in re.findall(r"\S*\s*", paragraph):
            if line and len(line) + len(word) > WIDTH - 2:
                lines.append(f'"{line}"')
                line = ""
            line += word
        if line:
            lines.append(f'"{line}"')
    return lines


# ---------------------------------------------------------------------------
# Merging the template into a translation (msgmerge --previous)
# ---------------------------------------------------------------------------

def merge(template: list, old: list, language: str) -> list:
    """The catalog for ``language``: ``template``'s messages with the translations ``old`` has for them."""
    old_header = next((e for e in old if e.msgid == "" and not e.obsolete), None)
    by_key = {e.key: e for e in old if e.msgid != ""}
    unused = {key: e for key, e in by_key.items() if e.msgid and any(e.msgstr)}
    nplurals = _nplurals(old_header.msgstr[0] if old_header else header(language).msgstr[0])
    merged = [old_header or header(language)]
    for new in template:
        if new.msgid == "":
            continue
        entry = Entry(msgid=new.msgid, msgid_plural=new.msgid_plural, msgctxt=new.msgctxt,
                      references=list(new.references), extracted_comments=list(new.extracted_comments),
                      flags=[f for f in new.flags if f != "fuzzy"],
                      msgstr=[""] if new.msgid_plural is None else [""] * nplurals)
        before = by_key.get(new.key)
        if before is not None and not before.obsolete:
            entry.msgstr = list(before.msgstr)
            entry.translator_comments = list(before.translator_comments)
            if before.fuzzy:
                entry.flags.insert(0, "fuzzy")
                entry.previous = list(before.previous)
            unused.pop(new.key, None)
        elif before is not None:  # back from the dead: its translation is as good as it was
            entry.msgstr, entry.translator_comments = list(before.msgstr), list(before.translator_comments)
            unused.pop(new.key, None)
        else:
            similar = _most_similar(new, unused.values())
            if similar is not None:
                entry.msgstr = _forms(similar.msgstr, entry)
                entry.translator_comments = list(similar.translator_comments)
                entry.flags.insert(0, "fuzzy")
                entry.previous = [f'msgid "{_escape(similar.msgid)}"']
                if similar.msgid_plural is not None:
                    entry.previous.append(f'msgid_plural "{_escape(similar.msgid_plural)}"')
        merged.append(entry)
    kept = {e.key for e in merged}
    for e in old:  # what left the source keeps its translation, as obsolete, at the end
        if e.msgid and e.key not in kept and any(e.msgstr):
            merged.append(Entry(msgid=e.msgid, msgid_plural=e.msgid_plural, msgctxt=e.msgctxt, msgstr=e.msgstr,
                                translator_comments=e.translator_comments, obsolete=True))
    return merged


def _forms(msgstr: list, entry: Entry) -> list:
    """An old translation reshaped for a new entry (a plural that became singular or the reverse)."""
    if entry.msgid_plural is None:
        return [msgstr[0]]
    return list(msgstr) if len(msgstr) > 1 else [msgstr[0]] * len(entry.msgstr)


def _most_similar(new: Entry, candidates) -> Entry | None:
    best, best_ratio = None, SIMILAR
    for old in candidates:
        matcher = difflib.SequenceMatcher(None, new.msgid, old.msgid, autojunk=False)
        if matcher.real_quick_ratio() < best_ratio or matcher.quick_ratio() < best_ratio:
            continue
        ratio = matcher.ratio()
        if ratio >= best_ratio:
            best, best_ratio = old, ratio
    return best


def _nplurals(header_text: str) -> int:
    found = re.search(r"nplurals\s*=\s*(\d+)", header_text)
    return int(found.group(1)) if found else 2


# ---------------------------------------------------------------------------
# Checking a catalog
# ---------------------------------------------------------------------------

def catalog_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def languages() -> list:
    return sorted(p.parent.parent.name for p in LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def read_catalog(path: Path) -> list:
    return read_po(path.read_text(encoding="utf-8"), str(path))


def untranslated(entries: list) -> list:
    """The messages (header and obsolete ones aside) that are empty or fuzzy: gettext shows them in English."""
    return [e for e in entries if e.msgid and not e.obsolete and not e.translated]


def placeholder_mismatches(entries: list) -> list:
    """Translated messages whose placeholders differ from their msgid's: ``{count}`` must stay ``{count}``."""
    wrong = []
    for e in entries:
        if not e.msgid or e.obsolete:
            continue
        originals = [e.msgid] if e.msgid_plural is None else [e.msgid, e.msgid_plural]
        expected = sorted(placeholders(e.msgid))
        for original, form in zip(originals + [originals[-1]] * len(e.msgstr), e.msgstr):
            if form and sorted(placeholders(form)) != expected:
                wrong.append((e, form))
    return wrong


def stale(entries: list, template: list) -> tuple:
    """``(missing, extra)``: messages of the source a catalog lacks, and ones it has that the source lost."""
    wanted = {e.key for e in template if e.msgid}
    have = {e.key for e in entries if e.msgid and not e.obsolete}
    return sorted(wanted - have, key=str), sorted(have - wanted, key=str)


# ---------------------------------------------------------------------------
# A pseudo-translation, to see what still speaks English
# ---------------------------------------------------------------------------

#: Every ASCII letter and a look-alike that is not ASCII: text through gettext reads "Ţĥé çĥáíñ".
ACCENTED = str.maketrans("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
                         "áƀçđéƒĝĥíĵķĺɱñóþǫŕšţúṽŵẋýžÁɃÇĐÉƑĜĤÍĴĶĹṀÑÓÞǪŔŠŢÚṼŴẊÝŽ")


def pseudo(message: str) -> str:
    """``message`` with its letters accented, its placeholders and numbers untouched.

    >>> pseudo("{count} layers")
    '{count} ĺáýéŕš'
    """
    kept = r"(\{[A-Za-z_]\w*\}|\d+(?:\.\d+)?e[-+]?\d+)"  # placeholders, and numbers such as 2.2e-308
    return "".join(p if re.fullmatch(kept, p) else p.translate(ACCENTED) for p in re.split(kept, message))


def pseudo_catalog(template: list, language: str = "qps") -> list:
    """A complete catalog in which every message is :func:`pseudo` of itself.

    Run a demo in it and every word that is still plain ASCII came from
    somewhere other than gettext: an f-string that was never marked, a word
    a library wrote.  The digits are untouched, so the numbers must read
    exactly as in English.
    """
    entries = [header(language)]
    entries[0].msgstr = [entries[0].msgstr[0].replace("nplurals=INTEGER; plural=EXPRESSION;",
                                                      "nplurals=2; plural=(n != 1);")]
    for e in template:
        forms = [pseudo(e.msgid)] if e.msgid_plural is None else [pseudo(e.msgid), pseudo(e.msgid_plural)]
        entries.append(Entry(msgid=e.msgid, msgid_plural=e.msgid_plural, msgctxt=e.msgctxt, msgstr=forms,
                             flags=list(e.flags)))
    return entries


# ---------------------------------------------------------------------------
# The commands
# ---------------------------------------------------------------------------

def update() -> int:
    template, problems = extract()
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(f"{len(problems)} problem(s): nothing written", file=sys.stderr)
        return 1
    LOCALE.mkdir(exist_ok=True)
    TEMPLATE.write_text(write_po([header(None)] + template), encoding="utf-8")
    print(f"{TEMPLATE.relative_to(ROOT)}: {len(template)} messages")
    for language in languages():
        path = catalog_path(language)
        old = read_catalog(path)
        merged = merge(template, old, language)
        path.write_text(write_po(merged), encoding="utf-8")
        print(f"{path.relative_to(ROOT)}: {summary(merged)}")
    return 0


def summary(entries: list) -> str:
    live = [e for e in entries if e.msgid and not e.obsolete]
    fuzzy = sum(e.fuzzy for e in live)
    empty = sum(not all(e.msgstr) for e in live)
    obsolete = sum(e.obsolete for e in entries)
    return (f"{len(live)} messages, {len(live) - len(untranslated(entries))} translated, {fuzzy} fuzzy, "
            f"{empty} empty" + (f", {obsolete} obsolete" if obsolete else ""))


def check() -> int:
    template, problems = extract()
    bad = bool(problems)
    for p in problems:
        print(p)
    for language in languages():
        entries = read_catalog(catalog_path(language))
        missing, extra = stale(entries, template)
        wrong = placeholder_mismatches(entries)
        print(f"{language}: {summary(entries)}")
        if missing or extra:
            print(f"  out of date: {len(missing)} new messages, {len(extra)} gone (run python tools/i18n.py update)")
        for e, form in wrong:
            print(f"  placeholders differ: {e.msgid!r} -> {form!r}")
        bad = bad or bool(missing or extra or wrong or untranslated(entries))
    return 1 if bad else 0


def init(language: str, plural_forms: str | None) -> int:
    path = catalog_path(language)
    if path.exists():
        print(f"{path.relative_to(ROOT)} exists already", file=sys.stderr)
        return 1
    if plural_forms is None and language not in PLURAL_FORMS:
        print(f"give the plural rule of {language}: --plural-forms 'nplurals=2; plural=(n != 1);' "
              "(see the GNU gettext manual, \"Plural forms\")", file=sys.stderr)
        return 1
    PLURAL_FORMS.setdefault(language, plural_forms)
    path.parent.mkdir(parents=True)
    template, _problems = extract()
    path.write_text(write_po(merge(template, [header(language)], language)), encoding="utf-8")
    print(f"{path.relative_to(ROOT)}: {len(template)} messages to translate")
    return 0


def main(argv: list | None = None) -> int:
    p = argparse.ArgumentParser(prog="python tools/i18n.py", description=__doc__.splitlines()[0])
    commands = p.add_subparsers(dest="command", required=True)
    commands.add_parser("update", help="extract the messages, rewrite the .pot, merge it into every .po")
    commands.add_parser("check", help="report untranslated, fuzzy, out-of-date and mismatched messages")
    new = commands.add_parser("init", help="start the catalog of a new language")
    new.add_argument("language", help="a gettext language code, such as pt_BR or tr")
    new.add_argument("--plural-forms", help="the language's Plural-Forms rule")
    args = p.parse_args(argv)
    if args.command == "update":
        return update()
    if args.command == "check":
        return check()
    return init(args.language, args.plural_forms)


if __name__ == "__main__":
    sys.exit(main())
