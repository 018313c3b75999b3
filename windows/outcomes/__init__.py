"""The outcomes domain: how contacts end for the customer (resolved, unresolved,
self-served), first-contact resolution, repeat contacts, self-service, channel mix."""
