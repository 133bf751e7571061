"""The demos in Portuguese (Brazil) and Turkish: the catalogs, the choice of language, and what a run prints.

Three kinds of test:

* the machinery (demos/_i18n.py, tools/i18n.py): the language gettext's
  variables ask for, the .po reader and writer, the in-memory .mo compiler
  against GNU msgfmt, the merge that keeps translations;
* the catalogs: up to date with the source, placeholders identical between a
  message and its translation, and every message translated.  That last one
  FAILS until the translators have finished, and says how many messages each
  catalog still lacks;
* the runs: every demo at small settings in a pseudo-language, where every
  message's letters are accented, must leave no plain English word and print
  exactly the numbers of the English run (this checks that every sentence
  goes through gettext, whatever the translators have done so far); then in
  pt_BR and tr, the same numbers as in English, and no English sentence left
  (that last one fails too until the translation is complete).
"""

import collections
import contextlib
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import demo_output  # noqa: F401  (puts demos/ on sys.path)

import _i18n  # noqa: E402
import run_all  # noqa: E402
from test_run_all import SMALL  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import i18n as catalogs  # noqa: E402  (tools/i18n.py)

LANGUAGES = ["pt_BR", "tr"]
LEARNING_SPEED = ["--examples", "50", "--seeds", "2", "--hidden", "2", "--width", "8", "--train", "--epochs", "2"]


def small(name: str) -> list:
    return SMALL.get(name, LEARNING_SPEED)


def run(name: str, language: str) -> str:
    """What a demo prints at small settings in ``language`` (run_all: its listing)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        if name == "run_all":
            run_all.main(["--lang", language])
        else:
            run_all.load(name).main(small(name) + ["--lang", language])
    _i18n.use("en")
    return out.getvalue()


NAMES = run_all.demo_names() + ["run_all"]


# ---------------------------------------------------------------------------
# Choosing the language
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("environ, expected", [
    ({}, "en"),
    ({"LANG": "pt_BR.UTF-8"}, "pt_BR"),
    ({"LANG": "tr_TR.UTF-8"}, "tr"),
    ({"LANGUAGE": "tr:en", "LANG": "pt_BR.UTF-8"}, "tr"),
    ({"LANGUAGE": "fr:pt_BR"}, "pt_BR"),  # the first language with a catalog, in the order given
    ({"LANGUAGE": "en:tr"}, "en"),  # English needs no catalog and is found first
    ({"LANGUAGE": "fr:de", "LANG": "tr_TR.UTF-8"}, "en"),  # the first variable set decides, as gettext.find
    ({"LANGUAGE": "", "LC_ALL": "tr_TR.UTF-8", "LANG": "pt_BR.UTF-8"}, "tr"),  # an empty variable is not set
    ({"LC_MESSAGES": "pt_BR.utf8", "LANG": "tr_TR.UTF-8"}, "pt_BR"),
    ({"LC_ALL": "C", "LANG": "pt_BR.UTF-8"}, "en"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LANG": "pt_PT.UTF-8"}, "en"),  # European Portuguese is not Brazilian: gettext would not match it either
    ({"LANG": "turkish"}, "tr"),  # an alias, through locale.normalize
])
def test_without_lang_gettexts_variables_choose_in_gettexts_order(environ, expected):
    assert _i18n.from_environment(environ) == expected


def test_the_available_languages_are_english_and_every_catalog():
    assert _i18n.available() == ["en", "pt_BR", "tr"]


@pytest.mark.parametrize("argv", [["--lang", "fr"], ["--lang=fr"], ["--lang"]])
def test_an_unknown_lang_is_refused_in_one_line_that_lists_the_languages(argv, capsys):
    sigmoid_chain = run_all.load("sigmoid_chain")
    with pytest.raises(SystemExit) as stop:
        sigmoid_chain.main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert stop.value.code == 2
    assert len(err) == 1 and "--lang" in err[0] and "en, pt_BR, tr" in err[0], err
    with pytest.raises(SystemExit):
        run_all.main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "en, pt_BR, tr" in err[0], err


def test_lang_is_read_before_the_help_is_written(capsys):
    """argparse writes each option's help when the option is added: --lang must be chosen before."""
    with pytest.raises(SystemExit):
        run_all.load("sigmoid_chain").main(["--help", "--lang", "tr"])
    out = capsys.readouterr().out
    assert translated("tr", "show this help message and exit") in out
    assert translated("tr", "depths of the deeper chains in section 4, each 1 to 1000 (default: 10 30)") in " ".join(
        out.split())


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_refused_option_is_refused_in_the_chosen_language_in_one_line(language, capsys):
    with pytest.raises(SystemExit) as stop:
        run_all.load("sigmoid_chain").main(["--lang", language, "--seed", "x"])
    err = capsys.readouterr().err.strip().splitlines()
    assert stop.value.code == 2 and len(err) == 1
    refusal = translated(language, "expected a whole number from {low} to {high}, got {value}").format(
        low=0, high=2 ** 63 - 1, value="'x'")
    assert translated(language, "argument {option}: {message}").format(option="--seed", message=refusal) in err[0]


def _bare_python(args, env):
    """A fresh clone, nothing installed (-S: no site-packages, -E: no PYTHON* variables), and only the
    language variables in ``env``."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "LANGUAGE", "LC_", "LANG"))}
    return subprocess.run([sys.executable, "-S", "-E", *args], cwd=ROOT, capture_output=True, text=True,
                          encoding="utf-8", timeout=120, env={**inherited, **env})


def translated(language: str, msgid: str) -> str:
    """The catalog's translation of ``msgid`` (the msgid itself while it is untranslated)."""
    entry = next(e for e in catalogs.read_catalog(catalogs.catalog_path(language)) if e.msgid == msgid)
    return entry.msgstr[0] if entry.translated else msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_language_is_chosen_by_flag_and_by_lang_on_a_fresh_clone(language):
    heading = translated(language, "1. Weights and biases drawn from N(0, 1) (seed {seed})").format(seed=0)
    assert heading != "1. Weights and biases drawn from N(0, 1) (seed 0)", "the translators' first message"
    by_flag = _bare_python(["demos/sigmoid_chain.py", "--layers", "3", "--lang", language], {})
    by_lang = _bare_python(["demos/sigmoid_chain.py", "--layers", "3"], {"LANG": f"{language}.UTF-8"})
    for done in (by_flag, by_lang):
        assert done.returncode == 0, done.stderr
        assert heading in done.stdout
    listing = _bare_python(["-m", "tinygrad_edu", "--lang", language], {})
    assert listing.returncode == 0, listing.stderr
    assert translated(language, "what it shows") in listing.stdout.splitlines()[2]
    english = _bare_python(["-m", "tinygrad_edu", "sigmoid_chain", "--layers", "3"], {"LANGUAGE": "en"})
    assert "1. Weights and biases drawn from N(0, 1) (seed 0)" in english.stdout


# ---------------------------------------------------------------------------
# The catalogs
# ---------------------------------------------------------------------------

def test_the_template_is_what_the_extractor_writes_from_the_source():
    """A new or changed _() message, not yet extracted, fails here: run python tools/i18n.py update."""
    template, problems = catalogs.extract()
    assert problems == []
    written = catalogs.write_po([catalogs.header(None)] + template)
    assert catalogs.TEMPLATE.read_text(encoding="utf-8") == written, "run: python tools/i18n.py update"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalog_has_exactly_the_messages_of_the_source(language):
    template, _problems = catalogs.extract()
    missing, extra = catalogs.stale(catalogs.read_catalog(catalogs.catalog_path(language)), template)
    assert not missing and not extra, (f"{language}: {len(missing)} new, {len(extra)} gone, first "
                                       f"{(missing + extra)[:1]}: run python tools/i18n.py update")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_of_every_catalog_is_translated(language):
    """FAILS until the translation is complete: no empty and no fuzzy message (docs/translating.md)."""
    entries = catalogs.read_catalog(catalogs.catalog_path(language))
    missing = catalogs.untranslated(entries)
    total = sum(1 for e in entries if e.msgid and not e.obsolete)
    assert not missing, (f"{language}: {len(missing)} of {total} messages are empty or fuzzy, the first "
                         f"{missing[0].msgid!r}; translate them in {catalogs.catalog_path(language).relative_to(ROOT)}")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_translation_has_the_same_placeholders_as_its_message(language):
    wrong = catalogs.placeholder_mismatches(catalogs.read_catalog(catalogs.catalog_path(language)))
    assert not wrong, [f"{e.msgid!r} -> {form!r}" for e, form in wrong[:5]]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalog_loads_with_its_language_and_plural_rule(language):
    translations = _i18n.load(language)
    assert translations.info()["language"] == language
    assert (translations.plural(1), translations.plural(2)) == (0, 1)
    assert translations.plural(0) == (0 if language == "pt_BR" else 1)  # Portuguese: "0 camada", singular


@pytest.mark.parametrize("path", [catalogs.TEMPLATE] + [catalogs.catalog_path(lang) for lang in LANGUAGES],
                         ids=lambda p: p.parent.parent.name if p.suffix == ".po" else "pot")
def test_reading_and_writing_a_catalog_gives_back_the_same_file(path):
    text = path.read_text(encoding="utf-8")
    assert catalogs.write_po(_i18n.read_po(text, str(path))) == text


def test_the_messages_follow_the_rules_of_the_translators_guide():
    """No message starts or ends with a space (a translator cannot see it), and none is empty."""
    template, _problems = catalogs.extract()
    for e in template:
        for text in (e.msgid, e.msgid_plural or "x"):
            assert text and text == text.strip() or text in ("usage: ",), repr(text)


# ---------------------------------------------------------------------------
# The machinery: .po files in, .mo bytes out, as GNU gettext does it
# ---------------------------------------------------------------------------

SAMPLE = r'''# a translator's comment
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\n"

#. TRANSLATORS: a note
#: demos/a.py
#, python-brace-format
msgid "{count} layer"
msgid_plural "{count} layers"
msgstr[0] "{count} camada"
msgstr[1] "{count} camadas"

msgid "a \"quoted\" word, a tab\there and a backslash \\"
msgstr "uma palavra \"citada\", um tab\taqui e uma barra \\"

msgid ""
"a long message "
"on two lines\n"
msgstr ""
"uma mensagem longa "
"em duas linhas\n"

#, fuzzy
msgid "not sure"
msgstr "talvez"

msgid "not yet"
msgstr ""

msgctxt "table header"
msgid "width"
msgstr "largura"

#~ msgid "gone"
#~ msgstr "foi"
'''


def test_the_po_reader_reads_every_kind_of_entry():
    entries = _i18n.read_po(SAMPLE)
    by_id = {e.msgid: e for e in entries}
    assert by_id["{count} layer"].msgstr == ["{count} camada", "{count} camadas"]
    assert by_id["{count} layer"].extracted_comments == ["TRANSLATORS: a note"]
    assert by_id['a "quoted" word, a tab\there and a backslash \\'].msgstr == [
        'uma palavra "citada", um tab\taqui e uma barra \\']
    assert by_id["a long message on two lines\n"].msgstr == ["uma mensagem longa em duas linhas\n"]
    assert by_id["not sure"].fuzzy and not by_id["not sure"].translated
    assert by_id["width"].msgctxt == "table header"
    assert by_id["gone"].obsolete
    with pytest.raises(ValueError, match="<po>:2"):
        _i18n.read_po('msgid "x"\nmsgstr "y\n')


def test_the_compiled_catalog_translates_as_gettext_would():
    translations = _i18n.gettext.GNUTranslations(io.BytesIO(_i18n.compile_mo(_i18n.read_po(SAMPLE))))
    assert translations.ngettext("{count} layer", "{count} layers", 1) == "{count} camada"
    assert translations.ngettext("{count} layer", "{count} layers", 0) == "{count} camada"  # pt: n > 1
    assert translations.ngettext("{count} layer", "{count} layers", 2) == "{count} camadas"
    assert translations.gettext("not sure") == "not sure"  # fuzzy: not used, English instead
    assert translations.gettext("not yet") == "not yet"
    assert translations.gettext("gone") == "gone"
    assert translations.pgettext("table header", "width") == "largura"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")
def test_the_compiled_catalog_equals_what_msgfmt_makes(tmp_path):
    """Two independent compilers, the same catalog: on the sample and on a complete pseudo-translation."""
    template, _problems = catalogs.extract()
    for name, text in (("sample", SAMPLE), ("pseudo", catalogs.write_po(catalogs.pseudo_catalog(template)))):
        po = tmp_path / f"{name}.po"
        po.write_text(text, encoding="utf-8")
        subprocess.run(["msgfmt", "-o", str(tmp_path / f"{name}.mo"), str(po)], check=True)
        theirs = _i18n.gettext.GNUTranslations(io.BytesIO((tmp_path / f"{name}.mo").read_bytes()))
        ours = _i18n.gettext.GNUTranslations(io.BytesIO(_i18n.compile_mo(_i18n.read_po(text))))
        assert ours._catalog == theirs._catalog  # noqa: SLF001  (the parsed catalog: what gettext looks up)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")
@pytest.mark.parametrize("language", LANGUAGES)
def test_msgfmt_accepts_every_catalog_and_its_python_brace_format_placeholders(language):
    done = subprocess.run(["msgfmt", "--check", "-o", os.devnull, str(catalogs.catalog_path(language))],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_update_keeps_translations_marks_a_changed_message_fuzzy_and_keeps_a_lost_one_obsolete():
    old = _i18n.read_po(catalogs.write_po([
        catalogs.header("pt_BR"),
        _i18n.Entry(msgid="The chain rule for ∂C/∂b₁:", msgstr=["A regra da cadeia para ∂C/∂b₁:"]),
        _i18n.Entry(msgid="Each layer back multiplies the gradient by {factor}.",
                    msgstr=["Cada camada para trás multiplica o gradiente por {factor}."]),
        _i18n.Entry(msgid="gone for good", msgstr=["foi de vez"]),
    ]))
    template = [_i18n.Entry(msgid="The chain rule for ∂C/∂b₁:", references=["demos/a.py"]),
                _i18n.Entry(msgid="Each layer back multiplies the gradient by {factor} here.",
                            references=["demos/a.py"], flags=["python-brace-format"]),
                _i18n.Entry(msgid="{count} layer", msgid_plural="{count} layers", msgstr=["", ""])]
    merged = {e.msgid: e for e in catalogs.merge(template, old, "pt_BR")}
    assert merged["The chain rule for ∂C/∂b₁:"].msgstr == ["A regra da cadeia para ∂C/∂b₁:"]
    assert merged["The chain rule for ∂C/∂b₁:"].translated
    changed = merged["Each layer back multiplies the gradient by {factor} here."]
    assert changed.fuzzy and changed.msgstr == ["Cada camada para trás multiplica o gradiente por {factor}."]
    assert changed.previous == ['msgid "Each layer back multiplies the gradient by {factor}."']
    assert merged["{count} layer"].msgstr == ["", ""]
    assert merged["gone for good"].obsolete and merged["gone for good"].msgstr == ["foi de vez"]
    text = catalogs.write_po(list(merged.values()))
    assert "#~ msgid \"gone for good\"" in text and "#| msgid \"Each layer" in text
    assert catalogs.write_po(_i18n.read_po(text)) == text


def test_extraction_refuses_what_a_translator_could_not_translate(tmp_path):
    (tmp_path / "demo.py").write_text(
        '"""A demo."""\n'
        'from _i18n import _, ngettext\n'
        'def main(argv=None):\n'
        '    n = 3\n'
        '    print(_(f"{n} layers"))\n'  # an f-string: the translator would see no sentence
        '    print(_("{n:.2f} of them").format(n=n))\n'  # a number formatted by the translator
        '    print(_("{0} layers").format(n))\n'  # a positional placeholder: cannot be reordered
        '    print(ngettext("{n} layer", "layers", n))\n'  # the plural lost its placeholder
        '    for _ in range(n):\n'  # shadows _: the next _() call would fail
        '        print(_("fine"))\n'
        '    print(_(MESSAGE))\n',  # a variable, marked with N_ where it is defined: allowed
        encoding="utf-8")
    entries, problems = catalogs.extract(tmp_path)
    text = "\n".join(problems)
    assert "demo.py:5" in text and "f-string" in text
    assert "{n:.2f}" in text and "{0}" in text
    assert "different placeholders" in text
    assert "demo.py:9" in text and "'_' is assigned" in text
    assert "A demo." in [e.msgid for e in entries]  # the docstring's first line: the demo's description


def test_no_demo_changes_the_case_of_a_text():
    """.upper() or .title() would break Turkish (i/İ, ı/I): a translation brings its own capitals."""
    import ast
    for path in sorted((ROOT / "demos").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("upper", "lower", "title", "capitalize", "swapcase", "casefold")):
                assert "suffix" in ast.get_source_segment(source, node.func.value), (path.name, node.lineno)


def test_every_demos_description_in_the_listing_is_a_message():
    template, _problems = catalogs.extract()
    msgids = {e.msgid for e in template}
    for name in run_all.demo_names():
        assert run_all.summary(name) in msgids


def test_the_docstring_examples_of_the_i18n_modules():
    import doctest
    for module in (_i18n, catalogs):
        failures, tried = doctest.testmod(module)
        assert tried > 0 and failures == 0


# ---------------------------------------------------------------------------
# The runs: a pseudo-language first, then Portuguese and Turkish
# ---------------------------------------------------------------------------

#: Plain ASCII words a translated run may still print: names, code, units and formulas, not English.
NOT_ENGLISH = {
    "inf", "nan", "max", "min", "log", "exp", "tanh", "sigmoid", "relu", "prelu", "leaky", "zeros",  # code, math
    "Xavier", "RNN", "LSTM", "GRU", "MNIST", "UCI",  # names
    "python", "demos", "tinygrad", "edu",  # the commands the listing shows
    "sigmoid_chain", "deep_linear", "tiny_steps", "sigmoid_window", "squashing", "finite_differences",
    "float_limits", "learning_speed", "saturation", "initialisation", "remedies", "dying_relu", "momentum",
    "clipping", "batch_norm", "residual", "rnn_vs_lstm", "memory_task",  # the demos' names in the listing
}


#: How a quoted exception is introduced ("AnomalyError: …"), in English and in the pseudo-language.
ERROR = ("Error: ", catalogs.pseudo("Error: "))


def quoted_error(line: str) -> int | None:
    """Where a library's exception message starts in a line, if it quotes one."""
    found = [line.index(mark) + len(mark) for mark in ERROR if mark in line]
    return min(found) if found else None


def ascii_words(line: str) -> list:
    """The plain ASCII words of 3 letters or more in a line: what gettext did not see in a pseudo run.

    Not words: identifiers and subscripts (n_in, ∂C/∂b_L, leaky_relu), chart markers (ooo, xxx), and a
    library's exception message quoted after "…Error: ", English by design (it is what one searches the
    web for).
    """
    start = quoted_error(line)
    if start is not None:
        line = line[:start]
    return [w for w in re.findall(r"[A-Za-z_]+", line)
            if len(w) >= 3 and "_" not in w and w not in NOT_ENGLISH and len(set(w)) > 1]


def numbers(text: str) -> list:
    """The numbers in a text, as printed: digits glued to letters (float64, L2) are part of a name."""
    return re.findall(r"(?<![\w.])[-+]?\d+(?:\.\d+)?(?:e[-+]\d+)?", text)


@pytest.fixture(scope="module")
def english():
    return {name: run(name, "en") for name in NAMES}


@pytest.fixture(scope="module")
def pseudo(tmp_path_factory):
    """Every demo in the pseudo-language qps: a complete catalog of accented messages, from a .po on disk."""
    locale = tmp_path_factory.mktemp("locale")
    folder = locale / "qps" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    template, _problems = catalogs.extract()
    (folder / f"{_i18n.DOMAIN}.po").write_text(catalogs.write_po(catalogs.pseudo_catalog(template)), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_i18n, "LOCALE", locale)
        return {name: run(name, "qps") for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_in_a_pseudo_language_no_english_word_is_left(name, pseudo):
    """Every sentence goes through gettext: with every message accented, no plain English word remains."""
    lines = pseudo[name].splitlines()
    left = [line for k, line in enumerate(lines) if ascii_words(line) and not _continues_an_error(lines, k)]
    assert not left, left[:5]


def _continues_an_error(lines: list, k: int) -> bool:
    """A line that an exception message quoted above it wraps onto (indented deeper than that line)."""
    for j in range(k - 1, -1, -1):
        if quoted_error(lines[j]) is not None:
            indent = len(lines[j]) - len(lines[j].lstrip())
            return all(len(line) - len(line.lstrip()) > indent for line in lines[j + 1:k + 1])
        if not lines[j].startswith("    "):
            return False
    return False


@pytest.mark.parametrize("name", NAMES)
def test_in_a_pseudo_language_the_numbers_are_those_of_english_in_the_same_order(name, english, pseudo):
    assert numbers(pseudo[name]) == numbers(english[name])
    assert pseudo[name] != english[name]


@pytest.fixture(scope="module")
def translated_runs():
    return {language: {name: run(name, language) for name in NAMES} for language in LANGUAGES}


def blocks(text: str) -> list:
    """The numbers of each block of output (blocks are separated by blank lines), each block's sorted.

    Sorted within a block because a translation may reorder the numbers of one sentence ("{count} of
    {total}" can read "{total} içinden {count}"); the blocks themselves come in the same order.
    """
    return [sorted(numbers(block)) for block in re.split(r"\n\s*\n", text)]


@pytest.mark.parametrize("name", NAMES)
def test_every_demo_prints_the_same_numbers_in_every_language(name, english, translated_runs):
    for language in LANGUAGES:
        assert blocks(translated_runs[language][name]) == blocks(english[name]), language


#: English words that are no Portuguese or Turkish word: two or more of them in a line mean English.
STOP_WORDS = {"the", "of", "and", "is", "are", "was", "were", "with", "that", "this", "these", "from", "by", "to",
              "its", "it", "be", "been", "not", "each", "every", "which", "when", "than", "then", "only", "what",
              "where", "into", "has", "have", "does", "their", "there", "they", "in", "or", "if", "but", "all",
              "after", "before", "below", "above", "over", "between", "how", "why", "here", "also", "about",
              "would", "will", "must", "too", "so", "we", "one", "two", "same", "at"}


def english_lines(text: str) -> list:
    """Lines with two or more English stop-words that make up a fifth or more of the line's words.

    Code is not prose: paths, identifiers and options (demos/run_all.py all, leaky_relu, --lang) are left
    out of the count, as is a library's exception message.
    """
    found = []
    for line in text.splitlines():
        prose = line[:quoted_error(line)] if quoted_error(line) is not None else line
        prose = re.sub(r"\S*[/_=]\S*|--\S+", " ", prose)
        words = re.findall(r"[^\W\d_]+", prose.lower())
        stop = [w for w in words if w in STOP_WORDS]
        if len(stop) >= 2 and len(stop) >= len(words) / 5:
            found.append(line)
    return found


def test_the_english_sentence_check_finds_english_and_passes_portuguese_and_turkish():
    assert english_lines("The first layer's gradient is 213× smaller than the last's, and it learns slower.")
    assert not english_lines("O gradiente da primeira camada é 213× menor que o da última, e ela aprende mais "
                             "devagar.")
    assert not english_lines("İlk katmanın eğimi sonuncununkinden 213 kat küçüktür ve o kadar yavaş öğrenir.")


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_english_sentence_is_left_in_a_translated_run(language, translated_runs):
    """FAILS until the translation is complete (an untranslated message shows in English)."""
    left = {name: english_lines(text) for name, text in translated_runs[language].items()}
    left = {name: lines for name, lines in left.items() if lines}
    count = sum(map(len, left.values()))
    first = next(iter(left.items()), ("", []))
    assert not left, f"{language}: {count} English lines in {len(left)} outputs, e.g. in {first[0]}: {first[1][:3]}"


def test_the_english_sentence_check_has_words_to_find_in_english(english):
    """The check is not vacuous: on the English runs it finds English in every demo's output."""
    assert all(english_lines(text) for text in english.values())
    counts = collections.Counter(w for text in english.values() for w in re.findall(r"[a-z]+", text.lower()))
    assert counts["the"] > 100
