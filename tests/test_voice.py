"""Reference voices: ``tutor say`` with the network blocked, the Piper voice by default,
espeak-ng when the Piper voice is missing, slow speech, and pitch-preserving stretch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tutor.cli import main
from tutor.voice import SLOW_SPEED, VoiceError, default_voice, list_voices, speak, time_stretch
from tutor.voice.piper import PiperConfig, phonemize, to_ids

# Blocks every socket before tutor is imported, then runs `tutor say ...` in-process.
DRIVER = r"""
import json, socket, sys
attempts = []
def _blocked(name):
    def refuse(*args, **kwargs):
        attempts.append(name)
        raise OSError(f"network access blocked ({name})")
    return refuse
for _name in ("connect", "connect_ex", "sendto"):
    setattr(socket.socket, _name, _blocked(f"socket.{_name}"))
for _name in ("create_connection", "getaddrinfo", "gethostbyname", "gethostbyname_ex"):
    setattr(socket, _name, _blocked(_name))
from tutor.cli import main
code = main(["say", *sys.argv[1:]])
print("OFFLINE-REPORT " + json.dumps({"attempts": attempts, "exit": code}))
"""


def _say_offline(tmp_path: Path, *argv: str, env: dict[str, str] | None = None) -> tuple[dict, str]:
    script = tmp_path / "say_driver.py"
    script.write_text(DRIVER, encoding="utf-8")
    root = Path(__file__).resolve().parent.parent
    run_env = {**os.environ, "PYTHONPATH": str(root), **(env or {})}
    done = subprocess.run(
        [sys.executable, str(script), *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env=run_env,
        cwd=tmp_path,
    )
    lines = [x for x in done.stdout.splitlines() if x.startswith("OFFLINE-REPORT ")]
    assert lines, f"driver failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(lines[-1].removeprefix("OFFLINE-REPORT ")), done.stdout + done.stderr


def _rms_db(samples: np.ndarray) -> float:
    return 20 * np.log10(float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) + 1e-12)


def test_say_writes_speech_with_the_piper_voice_offline(tmp_path):
    out = tmp_path / "think.wav"
    report, output = _say_offline(tmp_path, "Think about three things.", "--out", str(out))
    assert report == {"attempts": [], "exit": 0}, output
    samples, rate = sf.read(out, dtype="float32")
    assert rate == 22050 and samples.ndim == 1  # the voice's own rate
    assert 0.6 < len(samples) / rate < 4.0
    assert _rms_db(samples) > -35.0, "the voice wrote (near) silence"
    assert "voice joe" in output


def test_say_falls_back_to_espeak_when_the_piper_voice_is_missing(tmp_path):
    out = tmp_path / "hello.wav"
    report, output = _say_offline(
        tmp_path,
        "Hello there",
        "--out",
        str(out),
        env={"TUTOR_PIPER_VOICE": str(tmp_path / "gone.onnx")},
    )
    assert report == {"attempts": [], "exit": 0}, output
    samples, rate = sf.read(out, dtype="float32")
    assert len(samples) / rate > 0.4 and _rms_db(samples) > -35.0
    assert "voice espeak-ng" in output and "model is missing" in output


def test_a_broken_piper_model_also_falls_back(tmp_path, monkeypatch):
    model = tmp_path / "broken.onnx"
    model.write_bytes(b"not an onnx model")
    real = next(v for v in list_voices() if v.name == "joe")
    model.with_name("broken.onnx.json").write_bytes(real.config.read_bytes())
    monkeypatch.setenv("TUTOR_PIPER_VOICE", str(model))
    speech = speak("ship")
    assert speech.voice == "espeak-ng" and "could not be loaded" in speech.note
    with pytest.raises(VoiceError, match="could not be loaded"):
        speak("ship", "joe")


def test_slow_speech_is_about_a_third_longer(tmp_path):
    text = "She sells sea shells by the sea shore."
    for voice in ("joe", "espeak-ng"):
        normal = np.mean([speak(text, voice).duration for _ in range(2)])
        slow = np.mean([speak(text, voice, slow=True).duration for _ in range(2)])
        # 1 / 0.75 = 1.33; Piper's random phone durations and its unstretched pauses
        # put it at 1.23..1.34 in measurements
        assert 1.15 < slow / normal < 1.55, (voice, slow / normal)


def test_say_slow_through_the_cli(tmp_path, capsys):
    normal, slow = tmp_path / "n.wav", tmp_path / "s.wav"
    text = "Could you pass me the bread, please?"
    assert main(["say", text, "--out", str(normal), "--voice", "espeak-ng"]) == 0
    assert main(["say", text, "--out", str(slow), "--voice", "espeak-ng", "--slow"]) == 0
    ratio = sf.info(slow).duration / sf.info(normal).duration
    assert ratio == pytest.approx(1 / SLOW_SPEED, rel=0.12)


def test_list_voices_marks_the_default(capsys, monkeypatch, tmp_path):
    assert main(["say", "--list-voices"]) == 0
    lines = [x for x in capsys.readouterr().out.splitlines() if x[:1] in "* "]
    marked = [x.split()[1] for x in lines if x.startswith("* ")]
    assert marked == ["joe"]
    assert any(x.split()[:1] == ["espeak-ng"] for x in lines)
    monkeypatch.setenv("TUTOR_PIPER_VOICE", "none")
    assert main(["say", "--list-voices"]) == 0
    marked = [x.split()[1] for x in capsys.readouterr().out.splitlines() if x.startswith("* ")]
    assert marked == ["espeak-ng"] and default_voice().name == "espeak-ng"


def test_text_that_looks_like_an_option_is_spoken(tmp_path, capsys):
    out = tmp_path / "dash.wav"
    # "--stdout" would make espeak-ng write audio to stdout instead of speaking the word
    assert main(["say", "--voice", "espeak-ng", "--out", str(out), "--", "--stdout"]) == 0
    samples, rate = sf.read(out)
    assert len(samples) / rate > 0.3 and _rms_db(samples) > -35.0
    assert phonemize("-rf", "en-us"), "espeak-ng read '-rf' as options"


def test_say_errors_are_messages_not_tracebacks(tmp_path, capsys):
    assert main(["say", "hello", "--voice", "nobody", "--out", str(tmp_path / "x.wav")]) == 2
    assert "no voice called 'nobody'" in capsys.readouterr().err
    assert main(["say", "   ", "--out", str(tmp_path / "x.wav")]) == 2
    assert main(["say", "hello"]) == 2
    assert not (tmp_path / "x.wav").exists()


def test_phoneme_ids_follow_the_voice_config():
    joe = next(v for v in list_voices() if v.name == "joe")
    config = PiperConfig.load(joe.config)
    sentences = phonemize("Hello, world. How are you?", config.espeak_voice)
    assert len(sentences) == 2 and sentences[0][-1] == "."
    ids = to_ids(sentences[1], config.phoneme_ids)
    pad = config.phoneme_ids["_"][0]
    assert ids[0] == config.phoneme_ids["^"][0] and ids[-1] == config.phoneme_ids["$"][0]
    assert ids[1:-1:2] == [pad] * (len(ids) // 2)  # a pad after every symbol


def test_a_bad_voice_config_is_a_clear_error(tmp_path):
    bad = tmp_path / "v.onnx.json"
    bad.write_text('{"audio": {}}', encoding="utf-8")
    with pytest.raises(VoiceError, match="not a usable Piper voice config"):
        PiperConfig.load(bad)


def _dominant_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[np.argmax(spectrum)])


def test_time_stretch_keeps_the_pitch_and_slows_the_tempo():
    rate = 16000
    t = np.arange(rate) / rate
    # a 180 Hz "voice" whose loudness beats at 4 Hz: tempo lives in the envelope
    x = (np.sin(2 * np.pi * 180 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t))).astype(np.float32)
    y = time_stretch(x, rate, SLOW_SPEED)
    assert len(y) == pytest.approx(len(x) / SLOW_SPEED, abs=2)
    assert _dominant_hz(y, rate) == pytest.approx(180, abs=3)
    envelope = np.abs(np.fft.rfft(np.abs(y) - np.abs(y).mean()))
    freqs = np.fft.rfftfreq(len(y), 1 / rate)
    band = (freqs > 1) & (freqs < 20)
    beat = float(freqs[band][np.argmax(envelope[band])])
    assert beat == pytest.approx(4 * SLOW_SPEED, abs=0.5)  # 3 Hz: slower, same pitch
    assert np.allclose(time_stretch(x, rate, 1.0), x)
    with pytest.raises(ValueError):
        time_stretch(x, rate, 0.0)


def test_the_teachers_recording_wins_and_slows_without_a_voice(tmp_path, monkeypatch):
    from tutor.feedback.reference_speech import reference_audio

    rate = 16000
    t = np.arange(rate) / rate
    recording = tmp_path / "teacher.wav"
    sf.write(recording, (0.3 * np.sin(2 * np.pi * 200 * t)).astype(np.float32), rate)
    monkeypatch.setenv("TUTOR_PIPER_VOICE", "none")
    monkeypatch.setenv("PATH", str(tmp_path))  # no espeak-ng either: no voice at all
    normal = reference_audio("ship", recording)
    slow = reference_audio("ship", recording, slow=True)
    assert normal.voice == slow.voice == "teacher"
    assert slow.duration / normal.duration == pytest.approx(1 / SLOW_SPEED, rel=0.01)
    assert _dominant_hz(slow.samples, slow.rate) == pytest.approx(200, abs=3)
    with pytest.raises(VoiceError, match="espeak-ng"):
        reference_audio("ship", tmp_path / "missing.wav")


def test_arpabet_is_spelled_as_espeak_writes_it():
    from tutor.voice.arpabet_ipa import lexicon_ipa, word_ipa

    assert word_ipa(("TH", "R", "IY1")) == "θɹˈiː"
    assert word_ipa(("HH", "AH0", "L", "OW1")) == "həlˈoʊ"  # as espeak-ng: həlˈoʊ
    assert word_ipa(("B", "AH1", "T", "ER0")) == "bˈʌtɚ"
    assert lexicon_ipa("Think three") == "θˈɪŋk θɹˈiː"
    assert lexicon_ipa("?!") == ""
    joe = next(v for v in list_voices() if v.name == "joe")
    known = PiperConfig.load(joe.config).phoneme_ids
    symbols = set(
        phonemize("The thing is: ship, sheep, judge, measure, boy, cow?", "en-us", "lexicon")[0]
    )
    assert symbols <= set(known), symbols - set(known)  # every symbol has an id


def test_the_piper_voice_speaks_without_espeak(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no espeak-ng program
    from tutor.feedback.reference_speech import voice_available
    from tutor.voice.piper import default_phonemizer

    assert default_phonemizer() == "lexicon" and voice_available()
    speech = speak("Think about three things.")
    assert speech.voice == "joe" and not speech.note
    assert 0.6 < speech.duration < 4.0 and _rms_db(speech.samples) > -35.0
    assert default_voice().name == "joe"
    monkeypatch.setenv("TUTOR_PIPER_VOICE", "none")
    assert default_voice() is None and not voice_available()
    with pytest.raises(VoiceError, match="espeak-ng is not installed"):
        speak("ship")


def test_my_take_then_the_model():
    from tutor.voice import Speech
    from tutor.voice.compare import GAP_S, PAD_S, take_then_model

    take = np.ones(16000 * 2, dtype=np.float32) * 0.1
    model = Speech(np.full(22050, 0.5, dtype=np.float32), 22050, "joe")
    clip, rate = take_then_model(take, 16000, 0.5, 0.9, model)
    mine = int(round((0.4 + 2 * PAD_S) * rate))
    assert rate == 16000
    assert len(clip) == pytest.approx(mine + GAP_S * rate + rate, abs=3)
    assert np.allclose(clip[: mine - 1], 0.1)  # the take's word comes first
    assert np.all(clip[mine + 10 : mine + int(GAP_S * rate) - 10] == 0)
    assert np.median(clip[-rate // 2 :]) == pytest.approx(0.5, abs=0.01)  # then the model
    with pytest.raises(ValueError):
        take_then_model(take, 16000, 0.9, 0.5, model)


def test_a_piper_voice_dropped_into_the_voices_folder(tutor_home):
    joe = next(v for v in list_voices() if v.name == "joe")
    folder = tutor_home / "voices"
    folder.mkdir(parents=True)
    (folder / "amy.onnx").symlink_to(joe.model)
    (folder / "amy.onnx.json").write_bytes(joe.config.read_bytes())
    (folder / "no-config.onnx").write_bytes(b"x")  # without its JSON: not a voice
    names = [v.name for v in list_voices()]
    assert names == ["joe", "amy", "espeak-ng"] and default_voice().name == "joe"
    speech = speak("ship", "amy")
    assert speech.voice == "amy" and speech.rate == 22050 and speech.duration > 0.2


def test_a_damaged_teacher_recording_gives_way_to_the_voice(tmp_path):
    from tutor.feedback.reference_speech import reference_audio

    broken = tmp_path / "teacher.wav"
    broken.write_bytes(b"RIFF....WAVEfmt garbage")
    speech = reference_audio("ship", broken)
    assert speech.voice == "joe" and "could not be played" in speech.note
    with pytest.raises(VoiceError, match="too long"):
        speak("ship " * 1000)
