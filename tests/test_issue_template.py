"""The bug report form asks for the notebook, the cell, the environment, the OS, what happened,
what was expected and the output of notebook 00's environment cell."""

from pathlib import Path

import pytest

FORM = Path(__file__).resolve().parent.parent / ".github" / "ISSUE_TEMPLATE" / "bug_report.yml"


def test_bug_report_form_asks_what_we_need():
    yaml = pytest.importorskip("yaml")
    form = yaml.safe_load(FORM.read_text())
    assert form["name"] and form["description"]
    fields = {item["id"]: item for item in form["body"] if "id" in item}
    assert {"notebook", "cell", "environment", "os", "what-happened", "expected",
            "environment-cell"} <= set(fields)
    for item in form["body"]:
        assert item["type"] in {"markdown", "dropdown", "input", "textarea", "checkboxes"}
    environments = " ".join(fields["environment"]["attributes"]["options"])
    for name in ("JupyterLab", "Notebook 7", "VS Code", "Colab", "Binder", "conda"):
        assert name in environments, name
    notebooks = fields["notebook"]["attributes"]["options"]
    assert [n[:2] for n in notebooks[:9]] == [f"{i:02d}" for i in range(9)]
    assert "environment cell" in fields["environment-cell"]["attributes"]["label"]
    for key in ("notebook", "environment", "os", "what-happened", "environment-cell"):
        assert fields[key]["validations"]["required"] is True, key
