"""Every command has help text and is named in the README; the README opens with the two set-up commands."""

from __future__ import annotations

from pathlib import Path

from tacitus.cli import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_every_command_has_help_and_is_documented() -> None:
    for name, command in cli.commands.items():
        assert command.help and command.help.strip(), name
        assert f"tacitus {name}" in README, name


def test_readme_opens_with_the_two_setup_commands() -> None:
    first_block = README.split("```")[1].splitlines()[1:]  # after the language tag
    assert [line.split()[0:2] for line in first_block if line.strip()] == [["make", "demo"], ["make", "test"]]
