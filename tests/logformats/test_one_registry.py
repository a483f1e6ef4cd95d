"""One log-type registry (logformats/registry.py): every other list of log
types is derived from it or checked against it here."""
import dataclasses

import logformats
from ingest import syslog
from ingest.models import LOG_MODELS, LogRecord, time_field
from logformats.registry import REGISTRY
from portal.labels import LOG_TYPE_NAMES
from portal.trace import MAC_TYPES
from portal.trace_rows import TYPE_NAMES


def _concrete_log_models():
    found, todo = set(), list(LogRecord.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if not cls._meta.abstract:
            found.add(cls)
    return found


def test_every_derived_list_equals_the_registry():
    names = tuple(t.name for t in REGISTRY)
    assert logformats.LOG_TYPES == names
    assert tuple(logformats.FORMATS) == names
    assert syslog.LOG_TYPES == names
    assert tuple(LOG_MODELS) == names
    assert tuple(LOG_TYPE_NAMES) == names
    assert set(TYPE_NAMES) == set(MAC_TYPES) <= set(names)


def test_every_concrete_log_model_is_registered():
    # A model added without its registry line would be stored but never shown.
    assert _concrete_log_models() == set(LOG_MODELS.values())


def test_each_entry_fits_its_model_and_format():
    for entry in REGISTRY:
        fmt = logformats.FORMATS[entry.name]
        model = LOG_MODELS[entry.name]
        assert model.__name__ == entry.model_name
        assert fmt.layout is entry.module.LAYOUT
        assert time_field(entry.name) == entry.time_field
        record_fields = {f.name for f in dataclasses.fields(fmt.record_class)}
        assert entry.time_field in record_fields
        model_fields = {f.attname for f in model._meta.concrete_fields}
        # Field names equal the dataclass fields (the store maps them 1:1).
        assert record_fields <= model_fields


def test_the_collector_accepts_each_registered_app_name():
    env = syslog.Envelope
    for entry in REGISTRY:
        assert syslog.log_type_for(env(entry.app_name, None, None, None, "")) == entry.name
        assert syslog.log_type_for(env("popchat", entry.name, None, None, "")) == entry.name
    assert syslog.log_type_for(env("popchat-nosuchtype", None, None, None, "")) is None
