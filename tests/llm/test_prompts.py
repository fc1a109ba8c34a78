"""PromptTemplate.digest: what a rendering depends on besides its variables (the replay key uses it)."""

from dsbuild.llm.prompts import PromptTemplate


def write(folder, name, text):
    (folder / name).write_text(text, encoding="utf-8")


def test_the_digest_covers_included_templates(tmp_path):
    write(tmp_path, "main.j2", "{% block user %}{% include 'part.j2' %} {{ question }}{% endblock %}")
    write(tmp_path, "part.j2", "Answer briefly.")
    before = PromptTemplate("main.j2", [tmp_path])
    assert before.messages({"question": "q"}) == [{"role": "user", "content": "Answer briefly. q"}]
    write(tmp_path, "part.j2", "Answer at length.")
    after = PromptTemplate("main.j2", [tmp_path])
    assert after.sha256 == before.sha256  # the file itself did not change
    assert after.digest != before.digest and len(after.digest) == 64


def test_a_computed_include_has_no_digest(tmp_path):
    write(tmp_path, "main.j2", "{% block user %}{% include name %}{% endblock %}")
    write(tmp_path, "part.j2", "x")
    assert PromptTemplate("main.j2", [tmp_path]).digest is None
