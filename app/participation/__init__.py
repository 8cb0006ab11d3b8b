"""Residents discuss, decide, propose, inspect and supervise (Law 10/2022 on grassroots
democracy): consultations, household decisions, proposals, the inspection board."""
