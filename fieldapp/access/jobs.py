"""Background jobs: a job's page, status and file belong to the user who asked for it."""
from ..models import Job, User


def can_view_job(user: User, job: Job) -> bool:
    """The user who asked (a job holds their file, perhaps with personal data); out of it, a 404."""
    return job.user_id == user.id
