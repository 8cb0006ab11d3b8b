"""Notifications: the transactional outbox, its worker, and push through Firebase Cloud
Messaging. The in-app inbox is written directly with each change (app/domain/notify.py);
what must leave the database — pushes to phones — goes through the outbox."""
