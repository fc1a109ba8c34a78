"""Augmentation under executor=ray: media copies made by Ray Data `map_batches`, back-translation calls sent
through the Ray actors, and either way the same files as executor=local."""

from __future__ import annotations

import importlib.util
import json

import pytest
from helpers import assert_same_version, write_jsonl
from PIL import Image
from sklearn.datasets import load_sample_images

from dsbuild.build import build

HAS_RAY = importlib.util.find_spec("ray") is not None
pytestmark = [
    pytest.mark.xdist_group("ray"),  # one worker runs the Ray tests in turn (2 cores; see test_executors.py)
    pytest.mark.slow,
    pytest.mark.skipif(not HAS_RAY, reason='Ray is not installed (pip install "ray[data]"); executor=ray needs it'),
]


@pytest.fixture(scope="module")
def ray_instance():
    """One local Ray instance for the module's builds (a build joins it rather than starting its own).

    Its workers take the environment as it is now, so the test server's fake key (see `llm_server`) is set first.
    """
    from dsbuild.execute.ray_data import RayExecutor

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENAI_API_KEY", "sk-test-dsbuild-secret-0000")
        patch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        with RayExecutor(num_cpus=2):
            yield


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    """16 distinct crops of scikit-learn's photos in two classes, with a box each, in a label table."""
    root = tmp_path_factory.mktemp("photos")
    lines = ["path,label,boxes,box_labels"]
    for i in range(16):
        crop = Image.fromarray(load_sample_images().images[i % 2][i * 5:i * 5 + 160, i * 7:i * 7 + 240])
        name = f"{'temple' if i % 2 == 0 else 'flower'}_{i}.jpg"
        crop.save(root / name, "JPEG", quality=90)
        lines.append(f'{name},{"temple" if i % 2 == 0 else "flower"},"[[100, 60, 80, 50]]","[""thing""]"')
    (root / "labels.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def test_image_copies_made_on_ray_equal_the_local_build(ray_instance, photos, compose_cfg, tmp_path):
    common = ["source=images", f"source.path={photos}", f"source.labels={photos / 'labels.csv'}", "format=jsonl",
              "cleaning=none", "name=photos", "augment=images", "augment/image=[rotate45,flips]", "augment.copies=2",
              "augment.max_fraction=0.6", "augment.noisy.splits=[test]", "split.ratios=[0.5,0.25,0.25]",
              "executor.batch_rows=3"]
    local = build(compose_cfg([*common, f"output_dir={tmp_path / 'local'}"]), show_progress=False)
    on_ray = build(compose_cfg([*common, f"output_dir={tmp_path / 'ray'}", "executor=ray", "executor.num_cpus=2"]),
                   show_progress=False)
    assert_same_version(local, on_ray)
    media = [p for p in (on_ray.path / "media").iterdir()]
    assert len(media) > 6  # the copies' images, written by the Ray workers into the version folder
    assert json.loads((local.path / "manifest.json").read_text())["augment"]["splits"]["train"]["copies"] > 3


def test_back_translation_on_ray_sends_through_the_actors_and_equals_the_local_build(
        ray_instance, compose_cfg, llm_server, tmp_path, actor_round_trips):
    from llm_server import Reply, last_user_text

    def translator(request):
        text = last_user_text(request)
        into_chinese = "into Simplified Chinese" in request["messages"][0]["content"]
        answer = f"中文译文{sum(map(ord, text))}" if into_chinese else f"back translation of {text[4:]}"
        return Reply(content=json.dumps({"translation": answer}, ensure_ascii=False))

    llm_server.set_handler(translator)
    through_actors = actor_round_trips
    data = write_jsonl(tmp_path / "qa.jsonl", [{"question": f"How long does fever {i} last?", "response": f"r{i}"}
                                               for i in range(24)])

    def built(where: str, *extra: str):
        return build(compose_cfg([
            "source=files", f"source.path={data}", "format=jsonl", "cleaning=none", "name=bt", "augment=text",
            "augment/text=back_translation", "augment.text.transforms.back_translation.source=en",
            "augment.text.transforms.back_translation.via=zh", "augment.max_fraction=1.0", "llm=openai_compatible",
            f"llm.api_base={llm_server.base_url}", "llm.model=openai/test-model", "executor.batch_rows=5",
            f"llm.cache_path={tmp_path / where / 'llm.sqlite'}", f"output_dir={tmp_path / where}", *extra,
        ]), show_progress=False)

    local = built("local")
    sent_locally = llm_server.calls
    assert sent_locally and not through_actors
    on_ray = built("ray", "executor=ray", "executor.num_cpus=2")
    assert len(through_actors) == llm_server.calls - sent_locally + 1 == sent_locally + 1  # + the preflight probe
    assert_same_version(local, on_ray)
    copies = [json.loads(line) for line in (on_ray.path / "train.jsonl").read_text().splitlines()]
    assert any(r.get("augmented_from") and r["question"].startswith("back translation of ") for r in copies)
