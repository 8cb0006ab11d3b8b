"""A resident reports a problem: the form and API, routing to a ward, the public report page,
and the resident's confirmation and rating."""
