"""The panels' web inbox: sign-in, alerts of one's own panels, audited opening of identity."""
