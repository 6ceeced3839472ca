"""HTTP only: parse, authorise, call `actors`/`outbox`, render. No business rules live here."""
