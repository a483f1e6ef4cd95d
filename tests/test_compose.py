"""Row 7 of the "nothing lost" issue: the production compose file keeps the
broker's queued batches on a named volume with AOF persistence."""
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _service(text: str, name: str) -> str:
    """The block of one service (two-space indented key) in docker-compose.yml."""
    m = re.search(rf"^  {name}:\n((?:    .*\n|\s*\n)+)", text, re.MULTILINE)
    assert m, f"no service {name}"
    return m.group(1)


def test_redis_persists_with_aof_on_a_named_volume() -> None:
    text = (REPO / "docker-compose.yml").read_text()
    redis = _service(text, "redis")
    assert '"--appendonly", "yes"' in redis and '"--appendfsync", "everysec"' in redis
    volume = re.search(r"^      - (\w+):/data$", redis, re.MULTILINE)
    assert volume, redis
    top_level = text[text.index("\nvolumes:\n"):]
    assert f"\n  {volume.group(1)}:" in top_level


def test_the_readme_states_the_broker_durability_window() -> None:
    readme = (REPO / "README.md").read_text()
    assert "everysec" in readme and "redisdata" in readme
