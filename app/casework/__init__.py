"""Ward staff work reports: the queue, the case page, the one state machine, the deadline sweep."""
