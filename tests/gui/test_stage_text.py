"""The Stage column says what a job is waiting for, in words."""

from desktop_app.gui.models.formatting import state_text
from desktop_app.jobs.model import Job, JobAttempt, JobState, Stage


def _job(state: JobState, stage: Stage) -> Job:
    return Job(job_id="j", path="/v/a.mp4", size=1, mtime_ns=1, server_url="s", state=state, stage=stage)


def test_fresh_job_is_plainly_queued():
    assert state_text(_job(JobState.QUEUED, Stage.VALIDATE), None, None) == "Queued"


def test_analysed_job_waiting_for_a_slot_says_upload():
    assert state_text(_job(JobState.QUEUED, Stage.UPLOAD), None, None) == "Queued for upload"


def test_retry_countdown_names_the_next_attempt():
    attempt = JobAttempt(job_id="j", attempt=1, max_attempts=5, error_code="SERVICE_UNAVAILABLE",
                         delay_s=4.0, request_id=None, time=100.0)
    text = state_text(_job(JobState.WAITING_RETRY, Stage.UPLOAD), attempt, None, now=100.0)
    assert text == "Waiting to retry (attempt 2 of 5, next in 4 s)"


def test_an_upload_with_its_analysis_beside_it_shows_both_percentages():
    job = _job(JobState.UPLOADING, Stage.UPLOAD)
    assert state_text(job, None, 40, analysing=70) == "Uploading 40 % - analysing 70 %"
    assert state_text(job, None, None, analysing=3) == "Uploading - analysing 3 %"
    assert state_text(job, None, 40) == "Uploading (40 %)"  # analysed: the upload alone


def test_a_job_analysed_while_it_waits_for_an_upload_slot_says_both():
    job = _job(JobState.QUEUED, Stage.UPLOAD)
    assert state_text(job, None, None, analysing=5) == "Queued for upload - analysing 5 %"
