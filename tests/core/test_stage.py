import threading
import time

import pytest

from kabar.core.errors import StageError, StageTimeout, TooLarge
from kabar.core.stage import InProcessStages, check_size, run_with_timeout


def test_a_stage_past_its_time_limit_raises_at_once():
    started = time.monotonic()
    with pytest.raises(StageTimeout, match="extract: took longer than 0.05s"):
        run_with_timeout("extract", 0.05, time.sleep, 2)
    assert time.monotonic() - started < 1.5, "the caller is not kept waiting for the abandoned run"


def test_a_stage_in_time_returns_its_result():
    assert run_with_timeout("clean", 5, lambda a, b: a + b, 2, b=3) == 5


def test_errors_inside_a_stage_propagate():
    def boom():
        raise ValueError("bad")

    with pytest.raises(ValueError, match="bad"):
        run_with_timeout("clean", 5, boom)


def test_size_cap():
    check_size("extract", 10, 10)
    with pytest.raises(TooLarge, match="input is 11 bytes, the limit is 10"):
        check_size("extract", 11, 10)


def test_no_timeout_runs_in_the_calling_thread():
    assert run_with_timeout("clean", None, threading.get_ident) == threading.get_ident()


def test_in_process_stages_return_results_and_stage_errors():
    stages = InProcessStages()
    assert stages.capacity == 1
    assert stages.submit("clean", 5, lambda a, b: a + b, 2, b=3).result() == 5

    def too_large():
        raise TooLarge("input is 11 bytes, the limit is 10", stage="extract")

    with pytest.raises(TooLarge):
        stages.submit("extract", 5, too_large).result()
    with pytest.raises(StageTimeout, match="clean: took longer than 0.05s"):
        stages.submit("clean", 0.05, time.sleep, 2).result()


def test_in_process_stages_turn_a_bug_into_an_internal_stage_error():
    def boom():
        raise ValueError("bad")

    with pytest.raises(StageError, match=r"^capture: internal: ValueError: bad$") as caught:
        InProcessStages().submit("capture", 5, boom).result()
    assert caught.value.stage == "capture"
