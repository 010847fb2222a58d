"""Tool specs: what a user's spec file may look like and the errors they get when it is wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokmem_agents.errors import SpecError, UserInputError
from tokmem_agents.bank.specs import ToolSpec, check_unique, load_spec_file, load_specs, parse_spec

WEATHER: dict[str, Any] = {
    "name": "get_weather",
    "description": "Current weather for a city.",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["C", "F"]}},
        "required": ["city"],
    },
    "examples": [{"query": "weather in Paris?", "arguments": {"city": "Paris"}}],
}


def write(path: Path, obj: Any) -> Path:
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path


# -- accepted forms ----------------------------------------------------------------------------
def test_plain_spec_parses_with_examples() -> None:
    spec = parse_spec(WEATHER)
    assert spec.name == "get_weather"
    assert spec.description == "Current weather for a city."
    assert [e.query for e in spec.examples] == ["weather in Paris?"]
    assert spec.examples[0].arguments == {"city": "Paris"}


def test_openai_wrapped_spec_with_examples_outside() -> None:
    inner = {k: v for k, v in WEATHER.items() if k != "examples"}
    spec = parse_spec({"type": "function", "function": inner, "examples": WEATHER["examples"]})
    assert spec == parse_spec(WEATHER)


def test_openai_wrapped_spec_with_examples_inside() -> None:
    assert parse_spec({"type": "function", "function": WEATHER}) == parse_spec(WEATHER)


def test_parameters_default_to_an_empty_object() -> None:
    spec = parse_spec({"name": "now"})
    assert spec.validate_arguments({}) == []
    assert spec.validate_arguments({"x": 1}) != []  # undeclared arguments are refused


def test_to_json_round_trips() -> None:
    spec = parse_spec(WEATHER)
    again = parse_spec(json.loads(json.dumps(spec.to_json())))
    assert again == spec


def test_to_openai_has_no_examples() -> None:
    out = parse_spec(WEATHER).to_openai()
    assert out == {
        "type": "function",
        "function": {"name": "get_weather", "description": WEATHER["description"], "parameters": WEATHER["parameters"]},
    }


def test_schema_closes_objects_but_keeps_an_explicit_choice() -> None:
    spec = parse_spec(WEATHER)
    assert spec.schema["additionalProperties"] is False
    assert "additionalProperties" not in spec.parameters  # the user's schema is not mutated
    assert spec.validate_arguments({"city": "Oslo", "country": "NO"})
    open_params = {**WEATHER["parameters"], "additionalProperties": True}
    open_spec = parse_spec({**WEATHER, "parameters": open_params})
    assert open_spec.validate_arguments({"city": "Oslo", "country": "NO"}) == []


def test_validate_arguments_messages_name_the_argument() -> None:
    spec = parse_spec(WEATHER)
    assert spec.validate_arguments({"city": "Paris", "unit": "C"}) == []
    errs = spec.validate_arguments({"city": "Paris", "unit": "K"})
    assert len(errs) == 1 and errs[0].startswith("unit: ") and "'K'" in errs[0]
    assert any("'city' is a required property" in e for e in spec.validate_arguments({}))
    assert spec.validate_arguments([1, 2]) != []


def test_formats_are_checked() -> None:
    params = {"type": "object", "properties": {"day": {"type": "string", "format": "date"}}}
    spec = parse_spec({"name": "book", "parameters": params})
    assert spec.validate_arguments({"day": "2024-02-03"}) == []
    assert spec.validate_arguments({"day": "tomorrow"}) != []


# -- rejected specs ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw, expected",
    [
        ([1], "must be a JSON object, got list"),
        ({**WEATHER, "name": "get weather"}, 'field "name"'),
        ({**WEATHER, "name": ""}, 'field "name"'),
        ({**WEATHER, "name": "x" * 65}, 'field "name"'),
        ({**WEATHER, "name": 3}, 'field "name"'),
        ({k: v for k, v in WEATHER.items() if k != "name"}, 'field "name"'),
        ({**WEATHER, "parameters": {"type": "array"}}, '"type": "object"'),
        ({**WEATHER, "parameters": {"type": "object", "properties": {"a": {"type": "strng"}}}}, "not a valid JSON Schema"),
        ({**WEATHER, "parameters": {"type": "object", "properties": {"a": {"type": "string", "pattern": "("}}}}, "not a valid JSON Schema"),
        ({**WEATHER, "colour": "red"}, 'field "colour"'),
        ({**WEATHER, "examples": "abc"}, 'field "examples"'),
        ({**WEATHER, "examples": [{"query": "", "arguments": {}}]}, 'field "examples.0.query"'),
        ({**WEATHER, "examples": [{"query": "q"}]}, 'field "examples.0.arguments"'),
        ({**WEATHER, "examples": [{"query": "q", "arguments": {}, "x": 1}]}, 'field "examples.0.x"'),
        ({"type": "function", "function": "get_weather"}, 'field "function": expected an object'),
        ({"type": "function", "function": WEATHER, "name": "x"}, "unexpected field(s) ['name']"),
        ({"type": "function", "function": WEATHER, "examples": WEATHER["examples"]}, '"examples" given twice'),
    ],
)
def test_bad_specs_raise_spec_error_naming_the_field(raw: Any, expected: str) -> None:
    with pytest.raises(SpecError) as e:
        parse_spec(raw, source="tools.json")
    assert expected in str(e.value)
    assert str(e.value).startswith("tools.json")
    assert "\n" not in str(e.value)


def test_example_arguments_must_match_the_schema() -> None:
    bad = {**WEATHER, "examples": [*WEATHER["examples"], {"query": "weather in Rome in kelvin", "arguments": {"city": "Rome", "unit": "K"}}]}
    with pytest.raises(SpecError) as e:
        parse_spec(bad, source="w.json")
    msg = str(e.value)
    assert "w.json: tool 'get_weather'" in msg
    assert 'field "examples.1.arguments"' in msg
    assert "unit: 'K' is not one of" in msg
    assert "weather in Rome" in msg  # the user can find the offending example


def test_example_with_undeclared_argument_is_refused() -> None:
    bad = {**WEATHER, "examples": [{"query": "q", "arguments": {"city": "Rome", "zip": "00100"}}]}
    with pytest.raises(SpecError, match="Additional properties are not allowed"):
        parse_spec(bad)


@pytest.mark.parametrize(
    "ref",
    ["#/$defs/missing", "#/definitions/missing", "https://example.com/schema.json", "other.json#/a"],
)
def test_unresolvable_ref_is_a_spec_error_not_a_traceback(ref: str) -> None:
    raw = {
        "name": "x",
        "parameters": {"type": "object", "properties": {"a": {"$ref": ref}}},
        "examples": [{"query": "q", "arguments": {"a": 1}}],
    }
    with pytest.raises(SpecError, match=r"\$ref"):
        parse_spec(raw)


def test_local_ref_is_supported() -> None:
    raw = {
        "name": "x",
        "parameters": {
            "type": "object",
            "$defs": {"unit": {"type": "string", "enum": ["C", "F"]}},
            "properties": {"u": {"$ref": "#/$defs/unit"}},
        },
        "examples": [{"query": "q", "arguments": {"u": "C"}}],
    }
    spec = parse_spec(raw)
    assert spec.validate_arguments({"u": "K"}) != []


def test_spec_error_is_a_user_input_error() -> None:
    assert issubclass(SpecError, UserInputError) and SpecError.exit_code == 2


# -- files -------------------------------------------------------------------------------------
def test_file_with_one_tool(tmp_path: Path) -> None:
    specs = load_spec_file(write(tmp_path / "w.json", WEATHER))
    assert [s.name for s in specs] == ["get_weather"]


def test_file_with_a_list_of_tools(tmp_path: Path) -> None:
    other = {"type": "function", "function": {"name": "now", "parameters": {"type": "object", "properties": {}}}}
    specs = load_spec_file(write(tmp_path / "t.json", [WEATHER, other]))
    assert [s.name for s in specs] == ["get_weather", "now"]


def test_error_names_the_file_and_the_list_index(tmp_path: Path) -> None:
    path = write(tmp_path / "t.json", [WEATHER, {**WEATHER, "name": "bad name"}])
    with pytest.raises(SpecError) as e:
        load_spec_file(path)
    assert str(e.value).startswith(f"{path}[1]")


@pytest.mark.parametrize(
    "content, expected",
    [
        ("{", "invalid JSON at line 1"),
        ('{"name": "a",\n "x": }', "invalid JSON at line 2"),
        ("[]", "empty list of tools"),
        ("", "invalid JSON"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
)
def test_unreadable_spec_files(tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "s.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SpecError, match=expected) as e:
        load_spec_file(path)
    assert str(path) in str(e.value)


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="no such file"):
        load_spec_file(tmp_path / "nope.json")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(SpecError, match="cannot read"):
        load_spec_file(tmp_path / "bin.json")
    with pytest.raises(SpecError, match="cannot read"):
        load_spec_file(tmp_path)  # a directory


def test_duplicate_names_in_one_file_and_across_files(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="tool 'get_weather': tool defined twice"):
        load_spec_file(write(tmp_path / "dup.json", [WEATHER, WEATHER]))
    a = write(tmp_path / "a.json", WEATHER)
    b = write(tmp_path / "b.json", WEATHER)
    with pytest.raises(SpecError, match="defined twice"):
        load_specs([a, b])
    with pytest.raises(SpecError):
        check_unique([parse_spec(WEATHER), parse_spec(WEATHER)])


# -- fuzz: nothing a user writes ends in a traceback ---------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=8), kids, max_size=3),
    max_leaves=12,
)
spec_like = st.fixed_dictionaries(
    {},
    optional={
        "name": st.sampled_from(["ok", "bad name", "", "a.b-c_d"]) | st.text(max_size=5),
        "description": st.text(max_size=5) | st.integers(),
        "parameters": st.fixed_dictionaries(
            {},
            optional={
                "type": st.sampled_from(["object", "string", 3]),
                "properties": st.dictionaries(
                    st.sampled_from(["a", "b"]),
                    st.fixed_dictionaries({}, optional={"type": st.sampled_from(["string", "integer", "nope"]), "$ref": st.sampled_from(["#", "#/x", "#/properties"]), "pattern": st.sampled_from(["^a", "(", "[a-"])}),
                    max_size=2,
                ),
                "required": st.lists(st.sampled_from(["a", "b"]), max_size=2) | json_values,
            },
        )
        | json_values,
        "examples": st.lists(
            st.fixed_dictionaries({}, optional={"query": st.text(max_size=5), "arguments": json_values}), max_size=2
        )
        | json_values,
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=spec_like | json_values)
def test_fuzzed_specs_parse_or_raise_spec_error(raw: Any) -> None:
    try:
        spec = parse_spec(raw)
    except SpecError as e:
        assert str(e) and "\n" not in str(e)
        return
    assert isinstance(spec, ToolSpec)
    for ex in spec.examples:
        assert spec.validate_arguments(ex.arguments) == []


def test_deeply_nested_schema_is_a_spec_error(tmp_path: Path) -> None:
    inner: dict[str, Any] = {}
    params = {"type": "object", "properties": {"a": inner}}
    for _ in range(400):
        inner["items"] = {}
        inner = inner["items"]
    path = write(tmp_path / "deep.json", {"name": "x", "parameters": params})
    with pytest.raises(SpecError, match="nested too deeply"):
        load_spec_file(path)
