"""feeds.yaml validation: every mistake names the file, the entry and the field."""

from datetime import timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, load_config, parse_interval
from bot.models import Status
from bot.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parents[1]

GOOD = """
feeds:
  - url: https://example.org/rss
    name: Example
    interval: 20m
  - url: http://example.net/atom
topics:
  - key: microsoft-imod
    title: "Microsoft and IMOD"
    keywords:
      - [microsoft, azure]
      - [israel, unit 8200]
    exclude: [xbox]
    claims:
      - key: review
        statement: "The review is ongoing."
        status: ongoing
        aliases: ["the inquiry continues"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_good_file_loads(tmp_path):
    config = load_config(write(tmp_path, GOOD))
    assert [f.url for f in config.feeds] == ["https://example.org/rss", "http://example.net/atom"]
    assert config.feeds[0].interval == timedelta(minutes=20)
    assert config.feeds[1].interval == timedelta(minutes=15)
    topic = config.topics[0]
    assert topic.keywords == (("microsoft", "azure"), ("israel", "unit 8200"))
    assert topic.exclude == ("xbox",)
    assert topic.claims[0].status is Status.ONGOING
    assert topic.claims[0].aliases == ("the inquiry continues",)


def test_shipped_feeds_yaml_tracks_the_seed_story():
    config = load_config(ROOT / "feeds.yaml")
    assert len(config.feeds) >= 6
    topic = next(t for t in config.topics if t.key == "microsoft-imod")
    assert len(topic.claims) >= 10


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("feeds: [{url: ftp://x.org/feed}]", "feeds[0].url: 'ftp://x.org/feed' is not an http(s)"),
        ("feeds: [{url: https://x.org/f, interval: 30s}]", "feeds[0].interval: must be at least 1m"),
        ("feeds: [{url: https://x.org/f, interval: soon}]", "feeds[0].interval: 'soon' is not a"),
        ("feeds: [{url: https://x.org/f, intervall: 5m}]", "feeds[0]: unknown field 'intervall'"),
        ("feeds: [{name: nourl}]", "feeds[0].url: is required"),
        ("feeds: [{url: https://x.org/f, fetch_article: sometimes}]",
         "feeds[0].fetch_article: 'sometimes' is not one of auto|always|never"),
        ("feeds: [{url: https://x.org/f, fetch_article: no}]",
         "feeds[0].fetch_article: False is not one of auto|always|never"),
        ("feeds: [{url: https://x.org/f}, {url: https://x.org/f}]", "feeds[1].url: duplicate feed"),
        ("topics: [{key: Bad Key, title: t, keywords: [[a]]}]", "topics[0].key: 'Bad Key' must be"),
        ("topics: [{key: t, title: t, keywords: []}]", "topics[0] (t).keywords: must be a non-empty"),
        ("topics: [{key: t, title: t, keywords: [[]]}]", "topics[0] (t).keywords[0]: a keyword group"),
        (
            "topics: [{key: t, title: t, keywords: [[a]], claims: [{key: c, statement: s, "
            "status: rumoured}]}]",
            "topics[0] (t).claims[0] (c).status: 'rumoured' is not one of alleged|",
        ),
        (
            "topics: [{key: t, title: t, keywords: [[a]], claims: [{key: c, status: alleged}]}]",
            "topics[0] (t).claims[0] (c).statement: is required",
        ),
        (
            "topics: [{key: t, title: t, keywords: [[a]], claims: [{key: c, statement: s, status: alleged}, "
            "{key: d, statement: s, status: alleged}, {key: c, statement: s, status: alleged}]}]",
            "topics[0] (t).claims[2].key: duplicate claim key 'c'",
        ),
        ("topics: [{key: t, title: t, keywords: [[a]], claims: {key: c}}]", "topics[0] (t).claims: must be a list"),
        ("topics: [{key: t, title: t, keywords: [[a]]}, {key: t, title: u, keywords: [[a]]}]",
         "topics[1].key: duplicate topic key 't'"),
        ("topics: {key: t}", "topics: must be a list"),
        ("feeds: https://x.org/f", "feeds: must be a list"),
        ("feeds: [{url: https://x.org/f}, {url: https://x.org/g}, {url: https://x.org/f}]",
         "feeds[2].url: duplicate feed https://x.org/f"),
        ("feeds: [1, 2]", "feeds[0]: must be a mapping"),
        ("- just a list", "top level: must be a mapping"),
        ("feeds: [\n  {url: x\n", "invalid YAML"),
        ("topics: [{key: t, title: t, keywords: [[nato], [no, norway]]}]",
         "topics[0] (t).keywords[1][0]: must be text, got false (put a word like no, yes, on or off in quotes"),
        ("feeds:\n\t- url: https://a.org/f\n",
         "line 2, column 1: invalid YAML: a tab character: YAML is indented with spaces"),
        # a key written twice: plain YAML would keep the second and drop the first silently
        ("feeds: [{url: https://a.org/f}]\nfeeds: [{url: https://b.org/f}]\n",
         "line 2, column 1: invalid YAML: duplicate key 'feeds' (first on line 1)"),
        ("topics: [{key: t, title: t, keywords: [[a]], claims: [{key: c, statement: s, "
         "statement: u, status: alleged}]}]", "duplicate key 'statement'"),
        ("feeds: [{url: https://x.org/f, interval: .inf}]", "feeds[0].interval: inf is not a duration"),
        ("feeds: [{url: https://x.org/f, interval: .nan}]", "feeds[0].interval: nan is not a duration"),
        ("feeds: [{url: https://x.org/f, interval: 99999999999999999999}]",
         "feeds[0].interval: must be at most 7d"),
        ("feeds: [{url: https://x.org/f, interval: 99999999999999999999d}]",
         "feeds[0].interval: must be at most 7d"),
        ("feeds: [{url: 'https://x.org/f https://y.org/g'}]", "feeds[0].url: 'https://x.org/f https"
         "://y.org/g' contains spaces"),
        ("feeds: [{url: 'https://x.org:99999/f'}]", "feeds[0].url: 'https://x.org:99999/f' has an invalid port"),
    ],
)
def test_errors_name_file_entry_and_field(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value).startswith(f"{path}: ")
    assert message in str(err.value)


def test_merge_keys_are_not_duplicates(tmp_path):
    path = write(tmp_path, "feeds:\n  - &f {url: https://a.org/f, interval: 5m}\n  - {<<: *f, url: https://b.org/f}\n")
    assert [f.url for f in load_config(path).feeds] == ["https://a.org/f", "https://b.org/f"]


def test_not_utf8_names_the_line(tmp_path):
    path = tmp_path / "feeds.yaml"
    path.write_bytes(b"feeds:\n  - url: https://a.org/f\n    name: caf\xe9\n")
    with pytest.raises(ConfigError, match=r"feeds.yaml: line 3: not UTF-8 text \(byte 0xe9\)"):
        load_config(path)


def test_a_huge_file_is_refused_before_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr("bot.config.MAX_CONFIG_BYTES", 1000)
    path = write(tmp_path, "feeds:\n" + "".join(f"  - url: https://a{i}.org/f\n" for i in range(100)))
    with pytest.raises(ConfigError, match=r"over 1,000 bytes: not a feeds\.yaml"):
        load_config(path)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yaml")


@pytest.mark.parametrize(("text", "seconds"), [("15m", 900), ("1h30m", 5400), ("90s", 90),
                                               ("2d", 172800), (5, 300)])
def test_intervals(text, seconds):
    assert parse_interval(text).total_seconds() == seconds


def test_cli_malformed_config_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys):
    path = write(tmp_path, "topics: [{key: t, title: t, keywords: [[a]], claims: [{key: c}]}]")
    db = tmp_path / "data" / "dossier.db"
    code = main(["run", "--once", "--config", str(path), "--db", str(db)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{path}: topics[0] (t).claims[0] (c).statement: is required" in err
    assert not db.exists() and not db.parent.exists()


def test_settings_from_environment_and_overrides():
    env = {"DOSSIER_CONFIG": "x.yaml", "DOSSIER_DB": "y.db", "DOSSIER_LOG_LEVEL": "debug",
           "DOSSIER_ALLOW_PRIVATE_FEEDS": "1", "DISCORD_TOKEN": "secret-token"}
    settings = load_settings(env)
    assert str(settings.config_path) == "x.yaml" and str(settings.db_path) == "y.db"
    assert settings.log_level == "DEBUG" and settings.allow_private_feeds
    assert not settings.console_mode
    assert "secret-token" not in repr(settings)
    assert str(load_settings(env, config="z.yaml").config_path) == "z.yaml"
    assert load_settings({}).console_mode and not load_settings({}).allow_private_feeds


@pytest.mark.parametrize("env", [{"DOSSIER_LOG_LEVEL": "loud"}, {"DOSSIER_MATCH_LOW": "high"},
                                 {"DOSSIER_MATCH_LOW": "90", "DOSSIER_MATCH_HIGH": "50"}])
def test_bad_settings(env):
    with pytest.raises(SettingsError):
        load_settings(env)


def test_fetch_article_is_optional_and_read_per_feed(tmp_path):
    path = write(tmp_path, "feeds: [{url: https://x.org/a, fetch_article: Never}, {url: https://x.org/b}]")
    a, b = load_config(path).feeds
    assert (a.fetch_article, b.fetch_article) == ("never", None)


ODD_VALUES = (None, True, False, 0, -1, 1.5, float("inf"), float("nan"), 10**30, "", " ", "x", "∞",
              [], {}, [[]], [{}], {"a": 1}, "https://", "15m", [None])


def _paths(node, prefix=()):
    """Every place in the document (the first 3 items of each list)."""
    if prefix:
        yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node[:3]):
            yield from _paths(value, (*prefix, i))


def test_any_value_anywhere_in_the_shipped_file_is_accepted_or_a_config_error():
    """Each field, entry and list of the shipped feeds.yaml replaced by each odd value (wrong
    types, empty, infinite, huge...): the result is a Config or a ConfigError, never another
    exception (a traceback at start)."""
    import contextlib
    import copy

    import yaml

    from bot.config import parse_config

    shipped = yaml.safe_load((ROOT / "feeds.yaml").read_text(encoding="utf-8"))
    tried = 0
    for path in _paths(shipped):
        for value in ODD_VALUES:
            data = copy.deepcopy(shipped)
            target = data
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
            tried += 1
            with contextlib.suppress(ConfigError):
                parse_config(data, Path("feeds.yaml"))
    assert tried > 500
