"""Wallet pages: the wallet account (creation, confirmation, password re-check), cards and
payment activity. Views parse input, call one service or selector and pick the response."""
