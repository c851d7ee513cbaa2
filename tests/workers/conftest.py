from tests.messaging.fixtures import *  # noqa: F403
