import pytest

from simulator.engine.durations import DurationError, format_clock, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("5m", 300),
        ("1h30m", 5400),
        ("1h 30m 10s", 5410),
        ("2h", 7200),
        ("01:30:00", 5400),
        ("+00:05:00", 300),
        ("07:30", 450),
        ("0.5m", 30),
        (45, 45),
    ],
)
def test_parse_duration_accepts_documented_forms(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5x", "m", "1:75", "-5m", "ten minutes", "1h-2m", True, None])
def test_parse_duration_rejects_anything_else_with_the_expected_forms(text):
    with pytest.raises(DurationError, match=r"expected"):
        parse_duration(text)


def test_format_duration_and_clock():
    assert format_duration(5410) == "1h30m10s"
    assert format_duration(0) == "0s"
    assert format_clock(3725) == "01:02:05"
