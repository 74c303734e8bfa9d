"""Staff: accounts and tokens, sign-in, the console, the audit log."""
