"""The auxiliary corpus for backbone adaptation: deterministic, valid, copyable, disjoint from the catalog.

The shipped corpus is style v1 (the default); style v2, the candidate corpus for the next adapter,
is checked by the same properties and by tests of its own forms (``corpus_v2``)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from scripts.auxiliary import (
    CATALOG_WORDS,
    COMPOSITIONAL_FILE,
    DEFAULT_DIR,
    NOTOOL_FILE,
    PARAPHRASES_FILE,
    TOOLS_FILE,
    AuxCorpus,
    Style,
    generate_corpus,
    load_corpus,
    max_tools,
    write_corpus,
)
from tokmem_agents.bank.records import check_examples, load_jsonl
from tokmem_agents.bank.specs import load_specs

ROOT = Path(__file__).resolve().parents[2]
CATALOG_FILES = sorted((ROOT / "tools").glob("*.json")) + [ROOT / "tests" / "integration" / "data" / "four_tools.json"]


@pytest.fixture(scope="module")
def corpus() -> AuxCorpus:
    return generate_corpus()


@pytest.fixture(scope="module")
def corpus_v2() -> AuxCorpus:
    return generate_corpus(style="v2")


@pytest.fixture(params=["v1", "v2"])
def style(request: pytest.FixtureRequest) -> Style:
    return request.param


@pytest.fixture
def styled(style: Style, request: pytest.FixtureRequest) -> AuxCorpus:
    """The default corpus of ``style`` (v1: ``corpus``, v2: ``corpus_v2``)."""
    return request.getfixturevalue("corpus" if style == "v1" else "corpus_v2")


def _dump(c: AuxCorpus) -> list[Any]:
    return [
        [s.to_json() for s in c.specs],
        [e.to_json() for e in c.examples],
        [e.to_json() for e in c.compositional],
        [e.to_json() for e in c.notool],
        [e.to_json() for e in c.paraphrases],
    ]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _numbers(value: Any) -> list[int | float]:
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [value]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return []


def _catalog_names() -> set[str]:
    return {s.name for s in load_specs(CATALOG_FILES)}


def test_same_seed_gives_the_same_corpus_and_another_seed_differs(corpus: AuxCorpus) -> None:
    assert _dump(generate_corpus()) == _dump(corpus)
    other = generate_corpus(seed=1)
    assert [s.name for s in other.specs] != [s.name for s in corpus.specs]


def test_default_counts(corpus: AuxCorpus) -> None:
    assert len(corpus.specs) == 96
    assert all(len(s.examples) == 24 for s in corpus.specs)
    assert len(corpus.examples) == 96 * 24
    assert len(corpus.compositional) == 480
    assert len(corpus.notool) == 240
    assert len(corpus.all_examples) == 96 * 24 + 480 + 240
    assert len(corpus.paraphrases) == 96 * 8 and all(len(e.calls) == 1 for e in corpus.paraphrases)


def test_v2_counts_and_determinism(corpus: AuxCorpus, corpus_v2: AuxCorpus) -> None:
    """v2 has 560 multi-call examples and 140 multi-call paraphrases; the same tools, other examples."""
    assert _dump(generate_corpus(style="v2")) == _dump(corpus_v2)
    assert [s.name for s in corpus_v2.specs] == [s.name for s in corpus.specs]
    assert all(len(s.examples) == 24 for s in corpus_v2.specs)
    assert len(corpus_v2.compositional) == 560
    assert corpus_v2.notool == corpus.notool
    assert len(corpus_v2.all_examples) == 96 * 24 + 560 + 240
    assert len(corpus_v2.paraphrases) == 96 * 8 + 140
    assert [e.query for e in corpus_v2.examples[:24]] != [e.query for e in corpus.examples[:24]]
    with pytest.raises(ValueError, match="style"):
        generate_corpus(style="v3")  # type: ignore[arg-type]


def test_300_tools_have_unique_names_and_a_smaller_corpus_is_a_prefix(style: Style) -> None:
    big = generate_corpus(n_tools=300, examples_per_tool=3, n_multi=20, n_notool=10, style=style)
    names = [s.name for s in big.specs]
    assert len(names) == len(set(names)) == 300
    small = generate_corpus(n_tools=100, examples_per_tool=3, n_multi=20, n_notool=10, style=style)
    assert [s.to_json() for s in small.specs] == [s.to_json() for s in big.specs[:100]]
    with pytest.raises(ValueError, match="n_tools"):
        generate_corpus(n_tools=max_tools() + 1)


def test_tools_cover_many_argument_shapes(styled: AuxCorpus) -> None:
    types = set()
    counts = set()
    for s in styled.specs:
        props = s.parameters["properties"]
        counts.add(len(props))
        for p in props.values():
            types.add(p["type"] + ("/enum" if "enum" in p else "") + ("/" + p["items"]["type"] if p["type"] == "array" else ""))
    assert {"string", "integer", "number", "boolean", "string/enum", "array/string", "array/number", "object"} <= types
    assert counts == {1, 2, 3, 4, 5}
    assert any(len(s.parameters.get("required", [])) < len(s.parameters["properties"]) for s in styled.specs)


def test_every_example_validates_against_its_tool(styled: AuxCorpus) -> None:
    specs = {s.name: s for s in styled.specs}
    check_examples(styled.examples, specs)
    check_examples(styled.compositional, specs)
    check_examples(styled.paraphrases, specs)
    for e in styled.examples:
        spec = specs[e.calls[0].name]
        assert list(e.calls[0].arguments) == [k for k in spec.parameters["properties"] if k in e.calls[0].arguments]


def test_argument_values_appear_verbatim_in_the_query(styled: AuxCorpus) -> None:
    for e in styled.examples + styled.compositional + styled.paraphrases:
        for call in e.calls:
            for s in _strings(call.arguments):
                assert s in e.query, (s, e.query)
            for n in _numbers(call.arguments):
                assert re.search(rf"(?<![\d.]){re.escape(str(n))}(?![\d])", e.query), (n, e.query)


def test_queries_are_varied(styled: AuxCorpus) -> None:
    queries = [e.query for e in styled.examples]
    assert len(set(queries)) == len(queries)
    openings = {" ".join(q.split()[:2]).lower() for q in queries}
    assert len(openings) > 300


def _single(paraphrases: list) -> list:
    return [e for e in paraphrases if len(e.calls) == 1]


def test_paraphrases_word_each_tool_unlike_its_examples(styled: AuxCorpus) -> None:
    """Every tool has 8 single-call paraphrases; none is one of its examples, and none names both the
    action and the object the way every example does ("archive the kiln load")."""
    from scripts.auxiliary.domains import ACTIONS, DOMAINS

    verbs = {a.key: (a.verb, a.article) for a in ACTIONS}
    objects = {f"{d.key}_{o}": phrase for d in DOMAINS for o, phrase in d.objects}
    examples = {e.query.lower() for e in styled.examples}
    per_tool: dict[str, int] = {}
    for e in _single(styled.paraphrases):
        name = e.calls[0].name
        per_tool[name] = per_tool.get(name, 0) + 1
        assert len(e.calls) == 1 and e.query.lower() not in examples
        domain, action, *obj = name.split("_")
        (verb, article), noun = verbs[action], objects[f"{domain}_{'_'.join(obj)}"]
        q = e.query.lower()
        for plain in (f"{verb} {article} {noun}", f"{verb} {noun}"):
            assert not re.search(rf"\b{re.escape(plain.lower())}\b", q), e.query
    assert per_tool == {s.name: 8 for s in styled.specs}
    assert len({e.query for e in styled.paraphrases}) == len(styled.paraphrases)


def test_paraphrases_say_each_word_naming_the_object_once(style: Style, styled: AuxCorpus) -> None:
    """A paraphrase names its object once: no word of the name it uses comes again (an argument's
    noun or value, the verb: "copy the shelf bin, bin BIN-3440" leaves the bin code's span ambiguous,
    "record a record"), and with the object renamed no word of its own name comes outside the
    argument values ("the detector ..., sensor SNS-123" still says "sensor"; a boolean, whose phrase is
    all there is to say it, aside). Phrasal verbs take "it" in the middle ("call it off")."""
    from scripts.auxiliary.paraphrase import (
        _WITH_IT,
        objects,
        outside_values,
        own_words,
        words,
    )
    from scripts.auxiliary.tools import _make_tools

    tools = {t.name: t for t in _make_tools(len(styled.specs), 0, style)}
    for e in _single(styled.paraphrases):
        tool, q = tools[e.calls[0].name], e.query
        args = e.calls[0].arguments
        names = sorted((tool.obj[1], *objects(style)[tool.obj[0]]), key=len, reverse=True)
        found = [m for n in names for m in [re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", q, re.IGNORECASE)] if m]
        assert found, q
        mention, rest = found[0].group(0), q[: found[0].start()] + " | " + q[found[0].end() :]
        assert not words(mention) & words(rest), (q, words(mention) & words(rest))
        if mention.lower() != tool.obj[1].lower():
            said = words(outside_values(rest, args))
            bools = {w for f in tool.fields if f.kind == "bool" and f.name in args for w in words(f.forms[0])}
            assert not (own_words(tool) & said) - bools, (q, own_words(tool) & said)
        assert not any(f"{verb} it" in q.lower() for verb in _WITH_IT), q


def test_multi_call_paraphrases_chain_2_or_3_different_tools(corpus_v2: AuxCorpus) -> None:
    """The multi-call paraphrases (after the single-call ones) call 2-3 different tools, are distinct
    and equal no multi-call example."""
    multi = [e for e in corpus_v2.paraphrases if len(e.calls) > 1]
    assert corpus_v2.paraphrases[-len(multi) :] == multi
    assert {len(e.calls) for e in multi} == {2, 3}
    assert all(len(set(e.tool_names)) == len(e.calls) for e in multi)
    assert len({e.query.lower() for e in multi}) == len(multi)
    assert not {e.query.lower() for e in multi} & {e.query.lower() for e in corpus_v2.compositional}


def test_short_free_texts_are_unquoted_and_end_where_the_next_argument_begins(corpus_v2: AuxCorpus) -> None:
    """Short free texts (1-4 words) are often said unquoted, after a lead word or none ("saying cracked
    rim to Ana Silva"), with another argument after them; such a text holds no word that opens an
    argument phrase, and the word after it is such a word (or "and", a dash, punctuation, the end)."""
    from scripts.auxiliary.domains import DOMAINS
    from scripts.auxiliary.fields import is_short_text
    from scripts.auxiliary.pools import SHORT_TEXT
    from scripts.auxiliary.tools import _PREPOSITIONS, BOUNDARIES

    assert all(is_short_text(t) and not set(t.lower().split()) & _PREPOSITIONS for t in SHORT_TEXT)
    free = {(d.key, f.name) for d in DOMAINS for f in d.fields if f.kind == "quote"}
    followed = 0
    rows = corpus_v2.examples + corpus_v2.compositional + corpus_v2.paraphrases
    for e in rows:
        for call in e.calls:
            for k, v in call.arguments.items():
                if (call.name.split("_")[0], k) not in free or not is_short_text(v):
                    continue
                i = e.query.find(v)
                if e.query[i - 1 : i] in "\"'" and i > 0:
                    continue  # quoted
                after = e.query[i + len(v) :]
                if after.startswith(" "):
                    word = after.split()[0]
                    assert word in BOUNDARIES | {"and", "-"}, (v, e.query)
                    followed += word in BOUNDARIES
    assert followed > 0.03 * len(rows)


def test_amounts_are_said_before_the_object_too(corpus_v2: AuxCorpus) -> None:
    """Some queries say an amount as a modifier of the object ("a 45 minute rental")."""
    from scripts.auxiliary.domains import DOMAINS

    units = "|".join(sorted({f.adj for d in DOMAINS for f in d.fields if f.adj}))
    hits = [e for e in corpus_v2.examples if re.search(rf"\b(?:a|an|the|new) \d+(?:\.\d+)?[ -](?:{units})\b", e.query)]
    assert len(hits) > 20
    assert not any(re.search(r"\ba (?:8|11 |18 )", e.query) for e in hits)


def test_other_object_names_share_no_word_with_their_domain_or_the_verbs(style: Style) -> None:
    """The names ``objects(style)`` gives an object avoid the words of its domain's argument phrasings, of
    the domain's other objects (the domain label's words aside) and of every verb, so that the
    render-time choice (a name none of whose words the query's arguments use) always has one to pick."""
    from scripts.auxiliary.domains import ACTIONS, DOMAINS
    from scripts.auxiliary.paraphrase import VERBS, objects, words

    names_of = objects(style)

    verbs = {w for a in ACTIONS for w in words(a.verb)}
    verbs |= {w for pairs in VERBS.values() for verb, part in pairs for w in words(verb) | words(part)}
    phrases = {p.lower() for d in DOMAINS for _, p in d.objects}
    for d in DOMAINS:
        phrasing = set()
        for f in d.fields_for(style):
            phrasing |= words(f.noun) | {w for form in f.forms for w in words(form.replace("{v}", " "))}
            phrasing |= {w for s in f.sub for w in words(s.noun)}
        for key, _ in d.objects:
            others = {w for k, p in d.objects if k != key for w in words(p) | words(k.replace("_", " "))}
            others -= words(d.label)
            assert len(names_of[key]) >= 2, key
            for name in names_of[key]:
                assert name.lower() not in phrases, name
                assert not words(name) & (phrasing | others | verbs), (key, name, words(name) & (phrasing | others | verbs))


def test_multi_call_examples_have_2_to_4_calls_of_known_tools(styled: AuxCorpus) -> None:
    names = {s.name for s in styled.specs}
    sizes = {len(e.calls) for e in styled.compositional}
    assert sizes == {2, 3, 4}
    assert all(c.name in names for e in styled.compositional for c in e.calls)
    assert len({e.query for e in styled.compositional}) == len(styled.compositional)


def test_notool_examples_have_no_calls_and_are_new(corpus: AuxCorpus) -> None:
    def norm(q: str) -> str:
        return re.sub(r"[^a-z0-9 ]", "", q.lower()).strip()

    assert all(e.calls == () for e in corpus.notool)
    mine = [norm(e.query) for e in corpus.notool]
    assert len(set(mine)) == len(mine)
    eval_queries = {norm(e.query) for e in load_jsonl(ROOT / "tools" / "eval" / "notool.jsonl")}
    assert not set(mine) & eval_queries


def test_names_are_disjoint_from_the_catalog(corpus: AuxCorpus) -> None:
    catalog = _catalog_names()
    catalog_words = {w for n in catalog for w in n.lower().split("_")}
    assert catalog_words <= CATALOG_WORDS
    big = generate_corpus(n_tools=300, examples_per_tool=1, n_multi=2, n_notool=2)
    for s in big.specs:
        assert s.name not in catalog
        words = set(s.name.lower().split("_"))
        assert not words & CATALOG_WORDS, s.name


def test_shipped_files_equal_the_default_corpus(corpus: AuxCorpus) -> None:
    shipped = load_corpus()
    assert _dump(shipped) == _dump(corpus), "regenerate with: python scripts/make_auxiliary_corpus.py"
    # the files load with the project's own loaders too
    assert len(load_specs([DEFAULT_DIR / TOOLS_FILE])) == 96
    assert all(e.calls == () for e in load_jsonl(DEFAULT_DIR / NOTOOL_FILE))
    assert len(load_jsonl(DEFAULT_DIR / COMPOSITIONAL_FILE)) == 480
    assert len(load_jsonl(DEFAULT_DIR / PARAPHRASES_FILE)) == 768


def test_the_script_writes_v2_only_where_told(tmp_path: Path, corpus_v2: AuxCorpus) -> None:
    """``make_auxiliary_corpus.py --style v2 DIR`` writes the v2 corpus; without DIR it refuses (v2 is
    not shipped)."""
    from scripts.make_auxiliary_corpus import main

    main(["--style", "v2", str(tmp_path / "v2")])
    assert _dump(load_corpus(tmp_path / "v2")) == _dump(corpus_v2)
    with pytest.raises(SystemExit):
        main(["--style", "v2"])


def test_write_and_load_round_trip(tmp_path: Path) -> None:
    small = generate_corpus(n_tools=5, examples_per_tool=4, n_multi=6, n_notool=5, seed=3)
    write_corpus(small, tmp_path / "aux")
    assert _dump(load_corpus(tmp_path / "aux")) == _dump(small)
    raw = json.loads((tmp_path / "aux" / TOOLS_FILE).read_text())
    assert [t["name"] for t in raw] == [s.name for s in small.specs]
