"""One pipeline run: the stages in order, each resumable, each recording what it measured.

Stage outputs live in ``OUT/<stage>/``; ``OUT/report.json`` collects the validation
metrics, sizes and latencies that the model card's table is made from.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from tutor.atomic import write_bytes

from .acoustic import BatchPlan, TrainSettings, frozen_copy, train
from .dataset import FeatureCache
from .models import STUDENT, TEACHER, TINY, ConvNetConfig, ConvPhoneNet, count_parameters
from .pipeline import (
    PipelineConfig,
    align,
    load_net,
    prepare,
    prepare_synth,
    stage_dir,
    train_variant,
    training_labels,
    valid_indices,
)
from .stages import DONE, HEAD, MODEL, STAGES, is_done, mark_done, save_marker
from .synth_data import SyntheticMix

# the input layer and the depthwise filters hold under 3% of the weights: not worth the risk
PRUNE_SKIP = ("front.0", "*depthwise*")
VARIANTS = ("teacher", "student", "distil", "prune", "cluster", "int8")


@dataclass
class Run:
    cfg: PipelineConfig
    teacher_config: ConvNetConfig = TEACHER
    epochs_scale: float = 1.0
    ship_to: Path | None = None
    latency_budget_ms: float = 50.0
    tiny: bool = False  # tiny models, and a one-member head (a quick try-out run)
    shipped: str | None = None  # the variant the ship stage chose (None: none fits)
    log_lines: list[str] = field(default_factory=list)
    _cache: FeatureCache | None = None
    _labels: dict | None = None
    _train_labels: dict | None = None
    _synth: SyntheticMix | None = None
    _synth_loaded: bool = False

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Run:
        student = TINY if args.tiny else STUDENT
        cfg = PipelineConfig(
            data=args.data,
            out=args.out,
            limit=args.limit,
            student=student,
            threads=args.threads,
            align_rounds=1 if args.tiny else 3,
            align_epochs=1 if args.tiny else 4,
            synth=args.synth,
            synth_share=args.synth_share,
            synth_copies=args.synth_copies,
            compress_from=args.compress_from,
        )
        budget = args.latency_budget
        if budget is None:
            budget = math.inf if args.tiny else 50.0
        return cls(
            cfg, TINY if args.tiny else TEACHER, args.epochs, args.ship_to, budget, tiny=args.tiny
        )

    # -- helpers ------------------------------------------------------------------------
    @property
    def run_folder(self) -> Path:
        return self.cfg.out

    @property
    def data_folder(self) -> Path:
        return self.cfg.data

    def log(self, message: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {message}"
        print(line, flush=True)
        with open(self.cfg.out / "pipeline.log", "a") as f:
            f.write(line + "\n")

    def _head_log(self, variant: str, message: str) -> None:
        self.log(f"[head {variant}] {message}")

    def epochs(self, n: int) -> int:
        return max(1, round(n * self.epochs_scale))

    @property
    def cache(self) -> FeatureCache:
        if self._cache is None:
            self.cfg.out.mkdir(parents=True, exist_ok=True)
            self._cache = prepare(self.cfg, self.log)
        return self._cache

    @property
    def labels(self) -> dict:
        if self._labels is None:
            self._labels = align(self.cfg, self.cache, self.log)
        return self._labels

    @property
    def train_labels(self) -> dict:
        if self._train_labels is None:
            self._train_labels = training_labels(self.cfg, self.cache, self.labels)
        return self._train_labels

    @property
    def synth(self) -> SyntheticMix | None:
        """Synthetic speech for the acoustic training stages (``None`` without --synth)."""
        if not self._synth_loaded:
            self.cfg.out.mkdir(parents=True, exist_ok=True)
            self._synth = prepare_synth(self.cfg, self.log)
            self._synth_loaded = True
        return self._synth

    def synthetic_usage(self, name: str) -> dict:
        """What synthetic speech the model of stage ``name`` was trained with (from the
        report, so a stage trained before ``--synth`` was added reports none)."""
        source = {"distil": "distil_self", "int8": "cluster"}.get(name, name)
        report = self.report().get(source, {})
        return {k: v for k, v in report.items() if k.startswith("synthetic_")}

    @property
    def valid_labels(self) -> dict:
        return valid_indices(self.cache, self.labels)

    def report(self) -> dict:
        path = self.cfg.out / "report.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def update_report(self, name: str, info: dict) -> None:
        report = self.report()
        report.setdefault(name, {}).update(info)
        write_bytes(self.cfg.out / "report.json", json.dumps(report, indent=2).encode("utf-8"))

    def until(self, target: str) -> None:
        for stage in STAGES[: STAGES.index(target) + 1]:
            getattr(self, f"stage_{stage}")()

    def compression_mismatch(self) -> str | None:
        """A clear refusal when this run's pruning was made from another model."""
        done = self.cfg.out / "prune" / DONE
        if not done.exists():
            return None
        made_from = json.loads(done.read_text()).get("from", "distil")
        if made_from == self.cfg.compress_from:
            return None
        return (
            f"{done.parent} was pruned from {made_from!r}, not {self.cfg.compress_from!r}: "
            "delete the prune, cluster and int8 folders (and their report entries) to redo them"
        )

    # -- stages -------------------------------------------------------------------------
    def stage_prepare(self) -> None:
        self.log(f"prepare: {len(self.cache.entries)} feature entries")

    def stage_align(self) -> None:
        self.log(f"align: {len(self.labels)} aligned entries")

    def _variant(
        self,
        name: str,
        config: ConvNetConfig,
        settings: TrainSettings,
        teacher: torch.nn.Module | None = None,
        init: Path | None = None,
    ) -> ConvPhoneNet:
        net, usage = train_variant(
            self.cfg,
            name,
            config,
            self.cache,
            self.train_labels,
            self.valid_labels,
            settings,
            synth=self.synth,
            log=self.log,
            teacher=teacher,
            init=init,
        )
        self.update_report(name, {"parameters": count_parameters(net), **usage})
        return net

    def stage_teacher(self) -> None:
        self._variant(
            "teacher", self.teacher_config, TrainSettings(epochs=self.epochs(6), lr=1.5e-3)
        )

    def stage_student(self) -> None:
        self._variant("student", self.cfg.student, TrainSettings(epochs=self.epochs(8)))

    def stage_distil(self) -> None:
        """Teacher weight decays 0.9 -> 0.1, then self-distillation from a frozen copy."""
        out = stage_dir(self.cfg, "distil")
        if is_done(out, MODEL):
            return
        teacher = load_net(self.cfg.out / "teacher" / "model.pt", self.teacher_config)
        kd = TrainSettings(epochs=self.epochs(8), kd_weight_start=0.9, kd_weight_end=0.1)
        net = self._variant("distil_kd", self.cfg.student, kd, teacher=teacher)
        self_kd = TrainSettings(
            epochs=self.epochs(2), lr=5e-4, kd_weight_start=0.5, kd_weight_end=0.5, seed=1
        )
        net = self._variant(
            "distil_self",
            self.cfg.student,
            self_kd,
            teacher=frozen_copy(net),
            init=self.cfg.out / "distil_kd" / "model.pt",
        )
        best = self.cfg.out / "distil_self" / MODEL
        save_marker(out, lambda path: shutil.copyfile(best, path), MODEL)
        self.update_report("distil", {"parameters": count_parameters(net)})

    def _finetune(
        self,
        name: str,
        net: ConvPhoneNet,
        epochs: int,
        after_step: Callable[[torch.nn.Module], object],
    ) -> None:
        out = stage_dir(self.cfg, name)
        ckpt = out / "ckpt.pt"
        ckpt.unlink(missing_ok=True)  # masks/codebooks are rebuilt, so restart the stage
        settings = TrainSettings(epochs=epochs, lr=3e-4, seed=7)
        train(
            net,
            self.cache,
            self.train_labels,
            settings,
            ckpt,
            after_step=after_step,
            valid_labels=self.valid_labels,
            synth=self.synth,
            log=lambda m: self.log(f"[{name}] {m}"),
        )
        ckpt.unlink(missing_ok=True)
        usage = BatchPlan(self.cache, self.train_labels, settings, self.synth).usage()
        if usage is not None:
            self.update_report(name, usage)

    def stage_prune(self, sparsity: float = 0.5) -> None:
        from .prune import GradualPruner, make_permanent, overall_sparsity

        out = stage_dir(self.cfg, "prune")
        if is_done(out):
            return
        source = self.cfg.compress_from
        net = load_net(self.cfg.out / source / "model.pt", self.cfg.student)
        epochs = self.epochs(2)
        steps = epochs * self._steps_per_epoch()
        pruner = GradualPruner(net, sparsity, total_steps=max(1, steps // 2), skip=PRUNE_SKIP)
        self._finetune("prune", net, epochs, lambda m: pruner.step())
        make_permanent(net)
        torch.save({"model": net.state_dict()}, out / "model.pt")
        achieved = overall_sparsity(net, skip=PRUNE_SKIP)
        self.update_report(
            "prune",
            {
                "parameters": count_parameters(net),
                "sparsity": achieved,
                "nonzero_parameters": int(count_parameters(net) * (1 - achieved)),
                "compressed_from": source,
            },
        )
        mark_done(out, {"sparsity": achieved, "from": source})

    def stage_cluster(self, k: int = 16) -> None:
        from .cluster import cluster_weights

        out = stage_dir(self.cfg, "cluster")
        if is_done(out):
            return
        net = load_net(self.cfg.out / "prune" / "model.pt", self.cfg.student)
        clusters = cluster_weights(net, k, per_channel=True)
        self._finetune("cluster", net, self.epochs(1), lambda m: clusters.snap())
        clusters.snap()
        torch.save({"model": net.state_dict()}, out / "model.pt")
        self.update_report(
            "cluster",
            {
                "parameters": count_parameters(net),
                "k": k,
                "max_distinct_per_channel": max(clusters.max_distinct().values()),
            },
        )
        mark_done(out, {"k": k})

    def _steps_per_epoch(self) -> int:
        return BatchPlan(self.cache, self.train_labels, TrainSettings(), self.synth).steps_per_epoch

    def _export(self, name: str, net: ConvPhoneNet) -> Path:
        from .export import export_acoustic

        path = self.cfg.out / name / "acoustic.onnx"
        if not path.exists():
            export_acoustic(net, path, self.cache.config, self._acoustic_metadata(name))
        return path

    def _acoustic_metadata(self, name: str) -> dict:
        from tutor.scoring.speechocean import labels_path

        from .export import file_hash

        training_data = "speechocean762 train (CC BY 4.0) minus validation speakers"
        settings: dict = {"student": self.cfg.student.to_dict()}
        usage = self.synthetic_usage(name)
        if usage:
            training_data += (
                f" + synthetic TTS speech ({usage['synthetic_utterances_used']} utterances, "
                f"{usage['synthetic_hours_used']:.3f} h with augmented copies)"
            )
            settings["synthetic"] = {
                "manifest": str(self.cfg.synth),
                "share": self.cfg.synth_share,
                "copies": self.cfg.synth_copies,
                **usage,
            }
        return {
            "version": f"{name}-{time.strftime('%Y%m%d')}",
            "variant": name,
            "training_data": training_data,
            "data_hash": file_hash(labels_path(self.cfg.data, "train")),
            "settings": json.dumps(settings),
        }

    def stage_int8(self) -> None:
        from .quantize import quantize_onnx_int8

        out = stage_dir(self.cfg, "int8")
        if is_done(out):
            return
        net = load_net(self.cfg.out / "cluster" / "model.pt", self.cfg.student)
        fp32 = self._export("cluster", net)
        valid = [
            i for i, e in enumerate(self.cache.entries) if e.part == "train" and e.speed == 1.0
        ]
        rng = np.random.default_rng(0)
        calib = [
            {"features": self.cache.get(int(i))[None]}
            for i in rng.choice(valid, size=min(64, len(valid)), replace=False)
        ]
        quantize_onnx_int8(fp32, out / "acoustic.onnx", calib)
        from .export import set_metadata

        set_metadata(out / "acoustic.onnx", self._acoustic_metadata("int8"))
        mark_done(out, {})

    def stage_head(self) -> None:
        """A scoring head per variant: the validation metrics of the model card's table."""
        from .head import HeadSettings, export_head, train_head
        from .pipeline import head_samples, posteriors_fn

        for name in VARIANTS:
            out = stage_dir(self.cfg, name)
            if is_done(out, HEAD):
                continue
            if name == "int8":
                acoustic = out / "acoustic.onnx"
            else:
                config = self.teacher_config if name == "teacher" else self.cfg.student
                acoustic = self._export(name, load_net(out / "model.pt", config))
            t0 = time.time()
            train_s, valid_s = head_samples(
                self.cfg, name, self.cache, posteriors_fn(acoustic, self.cache)
            )
            # one fixed recipe for every variant (see HeadSettings); a tiny run trains one
            # member instead of an ensemble, so that trying the pipeline takes minutes
            settings = HeadSettings(members=1) if self.tiny else HeadSettings()
            head, metrics = train_head(
                train_s,
                valid_s,
                settings,
                log=functools.partial(self._head_log, name),
            )
            export_head(
                head,
                out / "head.onnx",
                {
                    "version": f"head-{name}-{time.strftime('%Y%m%d')}",
                    "validation": json.dumps(metrics),
                    "settings": json.dumps(asdict(settings)),
                    # the head learnt from these speed copies: the engine averages over them
                    "test_time_speeds": ",".join(str(s) for s in self.cfg.speeds),
                },
            )
            info = {
                **metrics,
                "acoustic_bytes": acoustic.stat().st_size,
                "head_bytes": (out / "head.onnx").stat().st_size,
                "head_seconds": time.time() - t0,
            }
            mark_done(out, info, HEAD)
            self.update_report(name, info)
            self.log(f"head {name}: " + json.dumps(metrics))

    def stage_ship(self) -> None:
        from .report import ship, summary

        self.shipped = ship(self, self.ship_to, self.latency_budget_ms)
        for line in summary(self.report(), self.cfg.out, self.ship_to, self.latency_budget_ms):
            self.log(line)
