import io

import pytest
from django.core.management.base import OutputWrapper

from kabar.command_console import command_console, wrapped_stream


def test_rich_writes_to_the_stream_behind_djangos_wrapper_without_extra_newlines():
    buffer = io.StringIO()
    console = command_console(OutputWrapper(buffer), width=40)
    console.print("one", end="")
    console.print("two", end="")
    assert buffer.getvalue() == "onetwo", "OutputWrapper would have added a newline after each write"


def test_a_non_text_stream_is_refused_clearly():
    with pytest.raises(TypeError, match="text stream"):
        wrapped_stream(OutputWrapper(io.BytesIO()))
