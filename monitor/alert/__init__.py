"""Alerts: which changes matter (rules), what is sent (events), where (channels), and
the outbox that makes delivery survive failures and restarts without doubling."""

from typing import TYPE_CHECKING

from monitor.lazy import lazy_exports

if TYPE_CHECKING:
    from monitor.alert.channels import CHANNEL_TYPES, Channel, ChannelContext, build_channels
    from monitor.alert.events import sample_event
    from monitor.alert.outbox import AlertQueue, DeliveryReport, deliver_due
    from monitor.alert.rules import select_changes

# Imported when first used: reading the config needs the channel types, not the outbox.
_PUBLIC = {
    "CHANNEL_TYPES": "monitor.alert.channels", "Channel": "monitor.alert.channels",
    "ChannelContext": "monitor.alert.channels", "build_channels": "monitor.alert.channels",
    "sample_event": "monitor.alert.events", "AlertQueue": "monitor.alert.outbox",
    "DeliveryReport": "monitor.alert.outbox", "deliver_due": "monitor.alert.outbox",
    "select_changes": "monitor.alert.rules",
}


__getattr__ = lazy_exports(globals(), _PUBLIC)


__all__ = ["CHANNEL_TYPES", "AlertQueue", "Channel", "ChannelContext", "DeliveryReport",
           "build_channels", "deliver_due", "sample_event", "select_changes"]
