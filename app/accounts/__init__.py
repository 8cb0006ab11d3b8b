"""Who people are and what they may do: sign-in, staff accounts and roles, the one policy,
and the resident's own page (`/me/`)."""
