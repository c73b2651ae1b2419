import io

import pytest

from meaningflow.accounts import demo as accounts_demo
from meaningflow.conversations import demo, selectors
from meaningflow.conversations.models import Message, Thread


@pytest.mark.django_db
def test_demo_threads_have_a_question_and_an_answer(reference_data):
    accounts_demo.load(io.StringIO())
    counts = demo.load(io.StringIO())
    assert counts["threads"] >= 3 and counts["messages"] == 2 * counts["threads"]
    assert Thread.objects.count() == counts["threads"]
    assert Message.objects.count() == counts["messages"]
    thread = Thread.objects.first()
    asker = thread.messages.first().sender
    # The answer is unread by the asker.
    assert selectors.unread_count(user=asker) >= 1
