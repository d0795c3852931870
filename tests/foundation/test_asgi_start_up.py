"""The web application, once started, keeps what lives as long as the process out of the cyclic
garbage collector's sight (config/asgi.py): a full collection then scans what requests and streams
made, not the 100,000 objects of start-up."""

from __future__ import annotations

import gc

import config.asgi


def test_the_start_up_objects_are_frozen_out_of_the_garbage_collectors_full_collections():
    gc.unfreeze()
    config.asgi._application()  # what a server process does once, on importing config.asgi
    assert gc.get_freeze_count() > 50_000
