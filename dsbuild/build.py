"""One build, as a plain function: config in, a versioned dataset folder out.

    load -> clean -> LLM tasks -> split -> augment -> validate (target format) -> export + version

This is the only layer besides the CLI that knows Hydra: it instantiates the configured components
and hands plain arguments to the stages. Each stage returns kept and rejected rows; every stage's
report is checked (rows_in + added == kept + rejected) before anything is written.
"""

from __future__ import annotations

import json
import re
import shlex
import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
from hydra.errors import InstantiationException
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import MissingMandatoryValue, OmegaConfBaseException

from . import config as _config  # noqa: F401  (registers the dsbuild.* resolvers)
from .augment.policy import MODALITIES, AugmentPolicy, augment_policy
from .clean.pipeline import AFTER_LLM_STAGE, named_steps, run_cleaning
from .config_values import refuse_nan
from .drop_checks import drop_settings, refuse_empty, warn_heavy_stages
from .errors import Interrupted, UserError
from .execute.local import LocalExecutor
from .execute.spill import Spill, WorkFolder, batches
from .export.formats import validate_table
from .export.pilot import pilot_settings
from .export.token_lengths import KEYS as TOKEN_KEYS
from .export.token_lengths import measure_tokens, token_settings
from .export.tokens import TokenCounter
from .overrides import unescape_overrides
from .secrets import redact, redact_overrides, secret_keys
from .sources.base import LOAD_STAGE, Loaded, Source
from .split import check_ratios, draw_pilot, split_rows
from .split_order import split_rank
from .stage import StageReport, count_rules
from .tracking.base import without_tracking
from .version import recipes
from .version.fingerprint import recipe_id, version_id
from .version.stats import profile
from .version.store import publish, scratch, staged, version_dir
from .version.writer import VersionContent, write_files

if TYPE_CHECKING:
    from .annotate.base import Task
    from .llm.ledger import Failure
    from .llm.session import LLMSession
    from .llm.settings import LLMSettings

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass
class BuildResult:
    """What a build produced (or found already built)."""

    version_id: str
    path: Path
    existed: bool
    stages: list[dict] = field(default_factory=list)
    splits: dict[str, dict] = field(default_factory=dict)
    llm: dict[str, dict] = field(default_factory=dict)  # per task: what this run sent, found cached, failed, paid
    note: str | None = None  # one line about the version's history (it heals or supersedes another)


def build(
    cfg: DictConfig,
    *,
    overrides: list[str] | None = None,
    choices: dict | None = None,
    show_progress: bool = True,
    replay: Replay | None = None,
) -> BuildResult:
    """Build the dataset `cfg` describes; return where it is. Raises UserError on fixable mistakes, and
    Interrupted on Ctrl-C or SIGTERM (with the number of LLM answers saved so far).

    `replay`: rebuild a version exactly: its failed LLM calls are replayed as failures, every other call
    must come from the cache, and nothing is sent. The `tracking` option stays out of
    the version id; its tracker logs the version, built now or found.
    """
    cfg, tracking = without_tracking(cfg)
    tracker = _instantiate(tracking, "tracking")  # before the build: a missing package fails fast
    result = _build(cfg, overrides=overrides, choices=choices, show_progress=show_progress, replay=replay)
    if tracker is not None:
        print(tracker.log(result.path))
    return result


@dataclass
class Replay:
    """How to build a given version again exactly: its failed LLM calls (by request key), replayed as
    failures, and the version it superseded."""

    failures: dict[str, Failure]
    supersedes: str | None = None


def _build(cfg: DictConfig, *, overrides: list[str] | None, choices: dict | None, show_progress: bool,
           replay: Replay | None) -> BuildResult:
    plain = _resolve(cfg)
    refuse_nan(plain)
    leaked = secret_keys(plain)
    if leaked:
        raise UserError(f"{leaked[0]} holds a secret; a secret never goes in a config (it would be saved with the "
                        "run); export it in an environment variable and name that, e.g. llm.api_key_env=MY_KEY")
    overrides = redact_overrides(unescape_overrides(list(overrides or [])))  # a multirun job's come escaped
    name = str(plain.get("name") or "")
    if not _NAME.match(name):
        raise UserError(f"name {name!r} must be a folder name (letters, digits, . _ -), e.g. name=doctor_qa")
    ratios = check_ratios(plain["split"]["ratios"])
    source: Source = _instantiate(cfg.source, "source")
    exporter = _exporter(plain["format"])
    tokens = token_settings(plain["format"])
    counter = TokenCounter(tokens["tokenizer"], tokens["chat_template"]) if tokens["tokenizer"] else None
    steps = named_steps(_instantiate(cfg.cleaning.get("rules"), "cleaning.rules"))
    after_llm = named_steps(_instantiate(cfg.cleaning.get("after_llm"), "cleaning.after_llm"), "cleaning.after_llm")
    pilot_size = pilot_settings(plain.get("pilot"))["size"]
    allow_empty, warn_share = drop_settings(plain)
    executor = _instantiate(cfg.get("executor"), "executor") or LocalExecutor()
    tasks, llm = _annotation(cfg, plain)
    augment = _augment_policy(cfg, plain)
    augment_llm = any(m.uses_llm for m in augment.modalities)
    if augment_llm and llm is None:
        llm = _llm_settings(plain, "augment.text (back-translation)")

    step_inputs = _step_inputs({"cleaning.rules": steps, "cleaning.after_llm": after_llm,
                                "augment": [(m.name, m) for m in augment.modalities]})  # eval sets, noise clips ...
    if counter is not None:  # the tokenizer decides the counts (and, with over_cutoff=reject, the rows)
        step_inputs += counter.fingerprint()
    inputs = source.fingerprint() + step_inputs
    templates = {task.prompt.name: task.prompt.sha256 for _, task in tasks}  # the manifest's: sha256 of each file
    uses_llm = bool(tasks) or augment_llm
    decisive = plain if uses_llm else {k: v for k, v in plain.items() if k not in ("llm", "prompt", "tasks")}
    # the id's: each template with what it includes (an edit to an included file makes a new version)
    recipe = recipe_id(decisive, inputs, {t.prompt.name: t.prompt.digest or t.prompt.sha256 for _, t in tasks})
    dataset_dir = Path(plain["output_dir"]).expanduser().resolve() / name
    previous = None if replay is not None else recipes.latest(dataset_dir, recipe)
    if previous is not None and previous["failed_calls"] == 0:
        return _existing(previous["version_id"], dataset_dir / previous["version_id"])
    plan = _Plan(plain, name, ratios, source, exporter, steps, after_llm, pilot_size, executor, tasks, augment,
                 inputs, step_inputs, templates, recipe, dataset_dir, overrides, dict(choices or {}), counter, tokens,
                 allow_empty, warn_share)
    session = _session(llm, executor, replay) if uses_llm else None
    supersedes = replay.supersedes if replay is not None else previous and previous["version_id"]
    try:
        return _run_stages(plan, session, previous, supersedes, show_progress)
    except KeyboardInterrupt:
        raise Interrupted(0 if session is None else session.answers_saved) from None
    finally:
        if session is not None:
            session.close()


def _exporter(node: dict):
    """The `format` option's exporter, built without the settings of the tokens stage (format.tokenizer ...)."""
    return _instantiate(OmegaConf.create({k: v for k, v in node.items() if k not in TOKEN_KEYS}), "format")


def _session(llm: LLMSettings, executor, replay: Replay | None) -> LLMSession:
    from .llm.session import LLMSession

    return LLMSession(llm, executor.llm_pool, pinned=None if replay is None else replay.failures,
                      offline=replay is not None)


@dataclass
class _Plan:
    """What a build is made of, built from the config before any row is read."""

    plain: dict
    name: str
    ratios: list[float]
    source: Source
    exporter: object
    steps: list
    after_llm: list
    pilot_size: int
    executor: object
    tasks: list[tuple[str, Task]]
    augment: AugmentPolicy
    inputs: list[dict]
    step_inputs: list[dict]
    templates: dict[str, str]
    recipe: str
    dataset_dir: Path
    overrides: list[str]
    choices: dict
    counter: TokenCounter | None  # format.tokenizer, loaded
    tokens: dict  # format.cutoff_len and over_cutoff
    allow_empty: bool  # publish a version that kept no row
    warn_share: float  # a stage dropping more than this share of its rows warns


def _run_stages(plan: _Plan, session: LLMSession | None, previous: dict | None, supersedes: str | None,
                show_progress: bool) -> BuildResult:
    """Every stage in order, then the version's files, published under the id the LLM answers complete.
    `previous`: the recipe's latest version, which had failed calls (this build heals it); `supersedes`:
    the id the manifest names as superseded (previous's, or the one a rebuilt version named)."""
    plain, name, steps, after_llm, tasks, augment = (plan.plain, plan.name, plan.steps, plan.after_llm, plan.tasks,
                                                     plan.augment)
    executor, inputs, step_inputs = plan.executor, plan.inputs, plan.step_inputs
    anchor = version_dir(plan.dataset_dir.parent, name, plan.recipe)  # temp folders are named after the recipe
    stages: list[StageReport] = []
    rejects: list[pa.Table] = []
    lap = _stopwatch()
    augmented = None
    n_stages = len(steps) + len(after_llm) + 4 + len(tasks) + int(augment.active) + int(plan.counter is not None)
    with staged(anchor) as folder, scratch(anchor) as scratch_folder, executor, \
            _progress(show_progress, n_stages) as advance:
        work = WorkFolder(scratch_folder, executor.batch_rows)  # the batch size of every stage, not only cleaning
        loaded = plan.source.stream(work)
        loaded_columns = loaded.table.schema.names
        before = profile(loaded.table)  # numbers only, for the card's before/after histograms
        stages.append(_load_report(loaded, lap()))
        rejects.append(loaded.rejected)
        handover = [loaded.table]
        inputs = (loaded.inputs or inputs[: len(inputs) - len(step_inputs)]) + step_inputs
        del loaded  # cleaning replaces the rows step by step; nothing here should pin the loaded copy
        advance("load")

        rows, clean_rejects, clean_report = run_cleaning(handover, steps, progress=advance, executor=executor,
                                                         work=work)
        clean_report.seconds = lap()
        stages.append(clean_report)
        rejects += clean_rejects

        if tasks:  # imported here: builds without an LLM never load jinja2, jsonschema or the client
            from .annotate.stage import run_task
        for task_name, task in tasks:
            client = session.client(task_name)
            done = rows
            try:
                rows, failed, annotate_report = run_task(
                    rows, task, client, name=task_name, progress=lambda s, n=task_name: advance(_llm_line(n, s), 0),
                    work=work,
                )
            finally:
                session.record(task_name, client.stats)
            _release(done)
            annotate_report.seconds = lap()
            stages.append(annotate_report)
            rejects.append(failed)
            advance(task_name)

        if after_llm:  # rules that read what the LLM wrote (e.g. near-duplicates kept by judge score)
            rows, quality_rejects, quality_report = run_cleaning(
                [rows], after_llm, progress=advance, stage=AFTER_LLM_STAGE, key="cleaning.after_llm",
                executor=executor, work=work,
            )
            quality_report.seconds = lap()
            stages.append(quality_report)
            rejects += quality_rejects

        split = plain["split"]
        splits, split_report = split_rows(
            rows, plan.ratios, split["seed"], split.get("stratify_by"), split.get("group_by"), work=work,
            executor=executor,
        )
        _release(rows)
        split_report.seconds = lap()
        stages.append(split_report)
        advance("split")

        if augment.active:  # after the split: a copy stays in its original's split
            from .augment.base import AugmentContext, MediaFolder
            from .augment.stage import run_augment

            context = AugmentContext(MediaFolder(folder), augment.workers, session, lambda s: advance(s, 0))
            # each split's output reads its input spill's parts, then its copies': nothing to release here
            splits, augment_report, augmented = run_augment(splits, augment, int(plain.get("seed", 0)), context,
                                                            work, executor)
            augment_report.seconds = lap()
            stages.append(augment_report)
            advance("augment")

        valid_report, valid_rejects = _validate(splits, plan.exporter, work)
        rejects.append(valid_rejects)
        valid_report.seconds = lap()
        stages.append(valid_report)
        advance("validate")
        lengths = None
        if plan.counter is not None:  # as the trainer will see each row: its tokens, against cutoff_len
            splits, token_rejects, token_report, lengths = measure_tokens(
                splits, plan.exporter, plan.counter, plan.tokens["cutoff_len"], plan.tokens["over_cutoff"], work)
            rejects.append(token_rejects)
            token_report.seconds = lap()
            stages.append(token_report)
            advance("tokens")
        for report in stages:
            report.check()
        warn_heavy_stages(stages, rejects, plan.warn_share)
        if not plan.allow_empty and not any(t.num_rows for t in splits.values()):
            refuse_empty(stages, rejects, loaded_columns)

        if plan.pilot_size:
            splits["pilot"] = draw_pilot(splits["train"], plan.pilot_size, split["seed"], split.get("stratify_by"),
                                         work=work)

        ledger = None if session is None else session.ledger
        answers = None if ledger is None else ledger.digest()
        vid = version_id(plan.recipe, answers)
        final = plan.dataset_dir / vid
        failures = [] if ledger is None else list(ledger.failures.values())
        note = _history(previous, vid, len(failures))
        if final.exists():  # the same recipe gave the same answers again (nothing healed)
            return _existing(vid, final, note)
        stage_dicts = [s.as_dict() for s in stages]
        content = VersionContent(
            name=name, version_id=vid, exporter=plan.exporter, splits=splits,
            rejects=_joined_rejects(rejects, work), stages=stage_dicts,
            config=redact(plain), overrides=plan.overrides, choices=plan.choices, inputs=inputs,
            templates=plan.templates, seed=int(plain.get("seed", 0)), rebuild_command=rebuild_command(plan.overrides),
            llm={} if session is None else session.usage, before=before,
            augment=None if augmented is None else augmented.as_dict(), tokens=lengths, final=final,
            pilot=dict(plain.get("pilot") or {}), cutoff_len=plan.tokens["cutoff_len"],
            recipe_id=plan.recipe, answers_digest=answers, failures=failures,
            llm_calls={} if ledger is None else {task: t.as_dict() for task, t in sorted(ledger.tasks.items())},
            supersedes=supersedes if supersedes != vid else None,
        )
        split_info = write_files(folder, content)
        created = publish(folder, final)
        if created:
            recipes.record(plan.dataset_dir, plan.recipe, vid, len(failures))
        advance("write")
    if not created:
        return _existing(vid, final, note)
    return BuildResult(vid, final, existed=False, stages=stage_dicts, splits=split_info,
                       llm={} if session is None else session.usage, note=note)


def _history(previous: dict | None, vid: str, failed: int) -> str | None:
    """The line about a rerun of a recipe whose latest version had failed LLM calls (None otherwise)."""
    if previous is None:
        return None
    old, before = previous["version_id"], previous["failed_calls"]
    if vid == old:
        return f"the {before} failed LLM call(s) of {old} failed again; run the same command later to retry them"
    still = f", {failed} still failed" if failed else ""
    return f"retried the {before} failed LLM call(s) of {old}{still}: this version supersedes it"


def _validate(splits: dict[str, pa.Table | Spill], exporter, work: WorkFolder) -> tuple[StageReport, Spill]:
    """Check every split's rows against the target format, batch by batch (in place); misfits become rejects."""
    report = StageReport("validate", rows_in=sum(t.num_rows for t in splits.values()))
    rejected = work.writer("validate-rejects")
    for split_name in list(splits):
        valid = work.writer(f"valid-{split_name}")
        for batch in batches(splits[split_name]):
            kept, bad = validate_table(exporter, batch)
            valid.add(kept)
            rejected.add(bad)
            report.rejected += bad.num_rows
            for rule, n in count_rules(bad).items():
                report.by_rule[rule] = report.by_rule.get(rule, 0) + n
        _release(splits[split_name])
        splits[split_name] = valid.close()
    report.kept = sum(t.num_rows for t in splits.values())
    return report, rejected.close()


def _joined_rejects(rejects: list[pa.Table | Spill | None], work: WorkFolder) -> Spill | None:
    """Every stage's rejects, in stage order, as one spill (None when no row was rejected)."""
    spills = []
    for rows in rejects:
        if rows is None or rows.num_rows == 0:
            continue
        if not isinstance(rows, Spill):
            writer = work.writer("rejects")
            writer.add(rows)
            rows = writer.close()
        spills.append(rows)
    return Spill.chain(spills) if spills else None


def _release(rows: pa.Table | Spill) -> None:
    """Free the disk space of rows a stage has read for the last time."""
    if isinstance(rows, Spill):
        rows.delete()


def _annotation(cfg: DictConfig, plain: dict) -> tuple[list[tuple[str, Task]], LLMSettings | None]:
    """The LLM tasks in order (the `prompt` option's, then `tasks.<name>` entries) and the backend."""
    tasks = []
    if (plain.get("prompt") or {}).get("_target_"):
        task = _instantiate(cfg.prompt, "prompt")
        tasks.append((task.name, task))
    for key, node in (plain.get("tasks") or {}).items():
        if node is not None:
            tasks.append((str(key), _instantiate(cfg.tasks[key], f"tasks.{key}")))
    if not tasks:
        return [], None
    from .annotate.base import Task

    for key, task in tasks:
        if not isinstance(task, Task):
            raise UserError(f"{key} is not an annotation task; give it a `_target_` naming a dsbuild.annotate class")
    return tasks, _llm_settings(plain, f"the LLM task {tasks[0][0]!r}")


def _llm_settings(plain: dict, user: str) -> LLMSettings:
    """The `llm` config as client settings; `user` names what needs the backend when none is set."""
    from .llm.settings import LLMSettings

    settings = dict(plain.get("llm") or {})
    if not settings.get("model"):
        raise UserError(
            f"{user} needs a backend but llm.model is not set; pick one, e.g. "
            "llm=deepseek, or llm=openai_compatible llm.api_base=http://localhost:8000/v1 llm.model=openai/<name>"
        )
    known = {f.name for f in fields(LLMSettings)}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise UserError(f"llm.{unknown[0]} is not an llm setting; known: {', '.join(sorted(known))}")
    return LLMSettings(**settings)


def _augment_policy(cfg: DictConfig, plain: dict) -> AugmentPolicy:
    """The `augment` group as a policy, its image/audio/text modalities built by Hydra."""
    node = cfg.get("augment")
    modalities = {key: _instantiate(node.get(key), f"augment.{key}") for key in MODALITIES} if node else {}
    return augment_policy(plain.get("augment"), modalities)


def _step_inputs(groups: dict[str, list]) -> list[dict]:
    """Files that cleaning steps read (a decontamination eval set): inputs like the source's, in the id."""
    return [
        {**entry, "step": f"{key}.{name}"}
        for key, steps in groups.items() for name, step in steps if callable(getattr(step, "fingerprint", None))
        for entry in step.fingerprint()
    ]


def rebuild_command(overrides: list[str]) -> str:
    """The command line that builds this version again (Hydra's own settings left out)."""
    kept = [o for o in overrides if not o.lstrip("+~").startswith("hydra.")]
    return " ".join(["dsbuild", *(shlex.quote(o) for o in kept)])


def _existing(vid: str, final: Path, note: str | None = None) -> BuildResult:
    manifest = json.loads((final / "manifest.json").read_text(encoding="utf-8"))
    splits = dict(sorted(manifest["splits"].items(), key=lambda item: split_rank(item[0])))  # stored sorted by name
    return BuildResult(vid, final, existed=True, stages=manifest["stages"], splits=splits, note=note)


def _stopwatch():
    """`lap()` -> seconds since the previous lap (or the start)."""
    last = [time.perf_counter()]

    def lap() -> float:
        now = time.perf_counter()
        seconds, last[0] = now - last[0], now
        return round(seconds, 3)

    return lap


def _load_report(loaded: Loaded, seconds: float) -> StageReport:
    rejected = loaded.rejected
    report = StageReport(
        LOAD_STAGE, rows_in=loaded.rows_read, kept=loaded.table.num_rows,
        rejected=0 if rejected is None else rejected.num_rows,
        by_rule={} if rejected is None else count_rules(rejected), seconds=seconds,
    )
    report.check()
    return report


def _resolve(cfg: DictConfig) -> dict:
    """The config as plain data, interpolations resolved; a missing value names its key."""
    try:
        return OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True)
    except MissingMandatoryValue as exc:
        key = exc.full_key or "?"
        raise UserError(f"{key} is required but not set; add {key}=<value> to the command or the config") from None
    except OmegaConfBaseException as exc:
        raise UserError(f"config: {_first_line(str(exc))} (key {exc.full_key})") from None


def _instantiate(node, key: str):
    """hydra.utils.instantiate with user mistakes turned into one-line UserErrors."""
    if node is None:
        return None
    try:
        return instantiate(node, _convert_="all")
    except InstantiationException as exc:
        cause = exc.__cause__
        while cause is not None and not isinstance(cause, UserError) and cause.__cause__ is not None:
            cause = cause.__cause__
        if isinstance(cause, UserError):
            raise cause from None
        raise UserError(f"{_failed_key(key, str(exc))}: cannot build it: {_first_line(str(exc)).rstrip(':')}"
                        f"{_cause_summary(exc.__cause__)}") from None
    except OmegaConfBaseException as exc:
        raise UserError(f"{key}: {_first_line(str(exc))}") from None


def _failed_key(key: str, message: str) -> str:
    """The config key of the node that failed: Hydra's `full_key:` line, under `key`."""
    found = re.search(r"^full_key: (\S+)$", message, re.MULTILINE)
    if not found:
        return key
    return found.group(1) if found.group(1).startswith(key) else f"{key}.{found.group(1)}"


def _cause_summary(cause: BaseException | None, lines: int = 3, width: int = 240) -> str:
    """The first lines of the error behind a failed instantiation, on one line (what was wrong with the value)."""
    if cause is None:
        return ""
    text = "; ".join(line.strip() for line in str(cause).strip().splitlines()[:lines] if line.strip())
    return f" ({text[:width]})" if text else ""


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def _progress(enabled: bool, total: int):
    from contextlib import nullcontext

    from .report import stage_progress

    return stage_progress(total) if enabled else nullcontext(lambda label, step=1: None)


def _llm_line(task_name: str, stats) -> str:
    """The progress label of an LLM stage: done / cached / failed / cost so far."""
    counts = f"{stats.cached} cached, {stats.failed} failed, ${stats.cost_usd:.4f}"
    return f"{task_name}: {stats.done}/{stats.calls} ({counts})"
