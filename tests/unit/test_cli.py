"""``retailkit --help`` and every subcommand's help are there and say what they do."""

from __future__ import annotations

import pytest

from infra_scripts.cli import build_parser, main


def _help(capsys, *args: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main([*args, "--help"])
    assert exit_info.value.code == 0
    return capsys.readouterr().out


def test_top_level_help_lists_the_commands(capsys):
    text = _help(capsys)
    for command in ("local", "demo", "sample-data", "notebooks", "cost"):
        assert command in text
    assert "--target" in text


@pytest.mark.parametrize("action", ["start", "stop", "status", "logs", "outbox", "smoke"])
def test_every_local_action_has_help(capsys, action):
    text = _help(capsys, "local", action)
    assert "--port" in text and "--state-dir" in text


def test_every_subcommand_has_a_one_line_help():
    parser = build_parser()
    commands = parser._subparsers._group_actions[0]  # argparse keeps no public accessor
    for choice in commands._choices_actions:
        assert choice.help, f"{choice.dest} has no help line"


def test_missing_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
