"""Run by Python at start-up in a test's subprocess (netguard.guarded_env puts it on PYTHONPATH):
the network guard, reported when the process exits."""

import atexit

from tests.support import netguard

netguard.install()
atexit.register(netguard.report_at_exit)
