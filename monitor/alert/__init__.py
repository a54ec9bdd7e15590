"""Alerts: which changes matter (rules), what is sent (events), where (channels), and
the outbox that makes delivery survive failures and restarts without doubling."""

from monitor.alert.channels import CHANNEL_TYPES, Channel, build_channels
from monitor.alert.events import sample_event
from monitor.alert.outbox import Outbox
from monitor.alert.rules import select_changes

__all__ = ["CHANNEL_TYPES", "Channel", "Outbox", "build_channels", "sample_event",
           "select_changes"]
