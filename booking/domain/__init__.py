"""The rules of the cooperative, as plain functions: no request, no current_user."""
