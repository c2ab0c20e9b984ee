"""Long user-started work runs as a job (dashboards.jobs): the callback answers at once with
a pending box, the job runs on the job thread, and the poll shows its result."""

from __future__ import annotations

import base64
import io
import threading
import time

import pandas as pd
from fixtures_base import wait_until
from fixtures_web import ORIGIN, call, find, finish_job, login, texts

from dashboards.jobs import LOST_AFTER_S, Jobs


def test_job_states(tmp_path):
    jobs = Jobs(tmp_path / "jobs")
    gate = threading.Event()
    slow = jobs.submit(lambda: gate.wait(10) and 42)
    assert jobs.get(slow)["state"] == "running"
    gate.set()
    assert wait_until(lambda: jobs.get(slow)["state"] == "done")
    assert jobs.get(slow)["result"] == 42

    def broken() -> None:
        raise RuntimeError("boom")

    failed = jobs.submit(broken)
    assert wait_until(lambda: jobs.get(failed)["state"] == "failed")
    assert jobs.get("no-such-job") == {"state": "unknown"}
    assert jobs.get(None) == {"state": "unknown"}
    # another web process reads the same folder: it answers the poll too
    other = Jobs(tmp_path / "jobs")
    assert other.get(slow)["result"] == 42
    jobs.close()
    other.close()


def test_a_job_whose_process_died_is_reported_failed(tmp_path):
    jobs = Jobs(tmp_path / "jobs")
    gate = threading.Event()
    job = jobs.submit(gate.wait, 10)
    assert jobs.get(job)["state"] == "running"
    assert jobs.get(job, now=time.time() + LOST_AFTER_S + 1)["state"] == "failed"
    gate.set()
    jobs.close()


def _contents(frame: pd.DataFrame) -> str:
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    return "data:application/octet-stream;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_upload_answers_before_the_import_runs(fresh_app):
    client = fresh_app.server.test_client()
    login(client, "thuky")
    queue = fresh_app.coc_state.jobs
    gate = threading.Event()
    blocker = queue.submit(gate.wait, 30)  # the job thread is busy until the gate opens
    frame = pd.DataFrame({"Mã": ["TK_THANH_TOAN"], "Kỳ": ["202611"], "Giá trị": ["61"]})
    inputs = [{"id": "entry-upload", "property": "contents", "value": _contents(frame)}]
    state = [{"id": "entry-upload", "property": "filename", "value": "so-lieu.xlsx"},
             {"id": "entry-lang", "property": "data", "value": "vi"},
             {"id": "entry-ou", "property": "data", "value": "10237"}]  # fmt: skip
    response = call(client, "entry-upload-message.children", inputs, state, ORIGIN)
    assert response.status_code == 200  # answered while the import cannot have started
    message = response.json["response"]["entry-upload-message"]["children"]
    assert texts(message) == ["Đang nhập tệp và tính lại chỉ tiêu…"]
    job_id = find(message, "entry-upload-job")["props"]["data"]
    assert queue.get(job_id)["state"] == "running"
    poll = call(client, "entry-upload-job-box.children",
                [{"id": "entry-upload-poll", "property": "n_intervals", "value": 1}],
                [{"id": "entry-upload-job", "property": "data", "value": job_id},
                 {"id": "entry-lang", "property": "data", "value": "vi"}], ORIGIN)  # fmt: skip
    assert poll.status_code == 204  # still queued: the poll returns nothing yet
    gate.set()
    assert wait_until(lambda: queue.get(blocker)["state"] == "done")
    assert texts(finish_job(client, "entry-upload", message)) == [
        "Đã nhập 0 mới, 1 cập nhật, 0 không đổi, 0 bị từ chối."
    ]
