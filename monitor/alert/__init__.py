"""Alerts: which changes matter (rules), what is sent (events), where (channels), and
the outbox that makes delivery survive failures and restarts without doubling."""

from monitor.alert.channels import CHANNEL_TYPES, Channel, ChannelContext, build_channels
from monitor.alert.events import sample_event
from monitor.alert.outbox import AlertQueue, DeliveryReport, deliver_due
from monitor.alert.rules import select_changes

__all__ = ["CHANNEL_TYPES", "AlertQueue", "Channel", "ChannelContext", "DeliveryReport",
           "build_channels", "deliver_due", "sample_event", "select_changes"]
